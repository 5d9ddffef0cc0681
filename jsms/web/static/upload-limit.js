/* A file input with data-max-bytes refuses a larger file before it is sent: the server would
 * refuse the whole request, so the person is told beside the field instead. */
(function () {
  "use strict";

  function reasonFor(input) {
    var id = "e-" + input.name;
    var reason = document.getElementById(id);
    if (!reason) {
      reason = document.createElement("span");
      reason.id = id;
      reason.className = "reason";
      reason.setAttribute("role", "alert");
      input.parentNode.appendChild(reason);
    }
    return reason;
  }

  function check(input) {
    var limit = Number(input.getAttribute("data-max-bytes"));
    var file = input.files && input.files[0];
    var reason = reasonFor(input);
    if (file && limit && file.size > limit) {
      var message = file.name + " is " + file.size.toLocaleString() + " bytes; the limit is " +
        limit.toLocaleString() + ". Paste the relevant part of its text instead.";
      input.setCustomValidity(message);
      input.setAttribute("aria-invalid", "true");
      var described = input.getAttribute("aria-describedby") || "";
      if (described.split(" ").indexOf(reason.id) < 0) {
        input.setAttribute("aria-describedby", (reason.id + " " + described).trim());
      }
      reason.textContent = message;
    } else {
      input.setCustomValidity("");
      input.removeAttribute("aria-invalid");
      reason.textContent = "";
    }
  }

  function init() {
    document.querySelectorAll("input[type=file][data-max-bytes]").forEach(function (input) {
      input.addEventListener("change", function () { check(input); });
      var form = input.form;
      if (form) {
        form.addEventListener("submit", function (event) {
          check(input);
          if (!input.checkValidity()) {
            event.preventDefault();
            input.focus();
          }
        });
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
