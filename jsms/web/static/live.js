/* JSMS live operations in the browser: keeps the ops dashboard, the roll-call pages and the
 * situation map current from the live feed (/live/events, Server-Sent Events).
 *
 * A page opts in with <script type="application/json" id="live-config">{"page": ...}</script>
 * ("dashboard", "roll_call", "roll_calls" or "map"; a map also names its container in "map").
 * Everything the server sends is text: it is put on the page with textContent, never as HTML.
 * Panels that carry forms (alerts, roll-call persons) are fetched again from the server, which
 * renders them with the reader's need-to-know, instead of being built here.
 *
 * The feed opens a moment after the page has loaded, so the page's own requests finish first.
 */
(function () {
  "use strict";

  var OPEN_AFTER_MS = 1500;
  var ROLE_STYLE = {
    escort: { color: "#0b5394", dash: "6 5", radius: 7, name: "Escort vehicle" },
    protectee: { color: "#ffb300", stroke: "#4e342e", trail: "#e08e00", dash: null, radius: 8, name: "Protected person or their vehicle" },
    unknown: { color: "#37474f", dash: "2 4", radius: 6, name: "Other device" },
  };
  var TRAIL_POINTS = 120;

  var configBlock = document.getElementById("live-config");
  if (!configBlock || typeof EventSource === "undefined") return;
  var config = JSON.parse(configBlock.textContent);
  var progressOf = {};   // movement id -> last progress event
  var knownAlerts = {};  // alert id -> true once seen on this page

  function $(selector, root) { return (root || document).querySelector(selector); }
  function $all(selector, root) { return Array.prototype.slice.call((root || document).querySelectorAll(selector)); }

  function status(text) {
    $all("[data-live-status]").forEach(function (node) { node.textContent = text; });
  }

  function clock(iso, zone) {
    if (!iso) return "not known";
    var moment = new Date(iso);
    try {
      var text = new Intl.DateTimeFormat("en-GB", {
        hour: "2-digit", minute: "2-digit", timeZone: zone || "UTC",
      }).format(moment);
      return text;
    } catch (error) {
      return moment.toISOString().slice(11, 16);
    }
  }

  function ago(iso) {
    if (!iso) return "never";
    var seconds = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
    if (seconds < 90) return seconds + " s ago";
    return Math.round(seconds / 60) + " min ago";
  }

  // Fetch a server-rendered fragment and put it in place, unless someone is typing in it.
  function refresher(target, url) {
    var timer = null;
    function run() {
      timer = null;
      var node = typeof target === "function" ? target() : target;
      if (!node) return;
      if (node.contains(document.activeElement) && document.activeElement !== document.body) {
        timer = setTimeout(run, 2000);  // do not pull a form from under someone's fingers
        return;
      }
      var open = $all("details[open]", node).map(function (d) { return d.closest("[data-alert]"); })
        .filter(Boolean).map(function (card) { return card.getAttribute("data-alert"); });
      fetch(url, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (response) {
          if (!response.ok) throw new Error(String(response.status));
          return response.text();
        })
        .then(function (html) {
          node.innerHTML = html;  // rendered and escaped by the server for this reader
          open.forEach(function (id) {
            var card = $('[data-alert="' + id + '"]', node);
            var details = card && $("details.timeline", card);
            if (details) details.open = true;
          });
        })
        .catch(function () { /* the next change tries again */ });
    }
    return function () { if (!timer) timer = setTimeout(run, 300); };
  }

  // The visual cue for a new critical alert: a banner that stays until dismissed.
  function cue(data) {
    var box = $("[data-critical-cue]");
    if (!box) return;
    box.textContent = "";
    var strong = document.createElement("strong");
    strong.textContent = "New critical alert: ";
    box.appendChild(strong);
    var link = document.createElement("a");
    link.href = data.href;
    link.textContent = data.title + (data.reference ? " (" + data.reference + ")" : "");
    box.appendChild(link);
    var dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.className = "quiet-dark";
    dismiss.textContent = "Dismiss";
    dismiss.addEventListener("click", function () { box.hidden = true; document.body.classList.remove("critical-now"); });
    box.appendChild(dismiss);
    box.hidden = false;
    document.body.classList.add("critical-now");
    if (document.title.indexOf("(!) ") !== 0) document.title = "(!) " + document.title;
  }

  // Dashboard -----------------------------------------------------------------------------

  function dashboard() {
    var refreshAlerts = refresher(function () { return $("[data-alert-panel]"); }, "/live/panel/alerts");
    var refreshRoad = refresher(function () { return $("[data-road-panel]"); }, "/live/panel/road");
    $all("[data-alert]").forEach(function (card) { knownAlerts[card.getAttribute("data-alert")] = true; });
    function statusOf(id) {
      var row = $('[data-road-panel] [data-movement="' + id + '"]');
      return row ? row.getAttribute("data-status") : null;
    }
    return {
      movement: function (data) {
        // a movement started, set off or ended: the list is fetched again
        var shown = statusOf(data.movement);
        if (data.watching ? shown !== data.status : shown !== null) refreshRoad();
      },
      alert: function (data) {
        var fresh = !knownAlerts[data.id];
        knownAlerts[data.id] = true;
        if (data.action === "opened" && data.severity === "critical" && fresh) cue(data);
        if (data.action !== "current") refreshAlerts();
      },
      progress: function (data) { showProgress(data); },
      roll_call: function (data) { showCounts(data); },
    };
  }

  function showProgress(data) {
    progressOf[data.movement] = data;
    $all('[data-movement="' + data.movement + '"] .progress-row').forEach(function (row) {
      var percent = Math.round((data.fraction || 0) * 100);
      var bar = $("[data-progress]", row);
      if (bar) bar.value = percent;
      var text = $("[data-progress-text]", row);
      if (text) text.textContent = percent + "% of the route";
      var eta = $("[data-eta]", row);
      if (eta) {
        eta.textContent = data.eta
          ? clock(data.eta, row.getAttribute("data-zone")) + " " + (row.getAttribute("data-zone-label") || "UTC")
          : "not known";
      }
      var late = $("[data-late]", row);
      if (late) {
        late.textContent = data.late_by_s && data.late_by_s > 300 ? "(" + Math.round(data.late_by_s / 60) + " min late)" : "";
      }
    });
  }

  function showCounts(data) {
    $all('[data-roll-call="' + data.id + '"]').forEach(function (row) {
      Object.keys(data.counts).forEach(function (name) {
        var cell = $('[data-count="' + name + '"]', row);
        if (cell) cell.textContent = String(data.counts[name]);
      });
      var overdue = $("[data-overdue]", row);
      if (overdue) overdue.textContent = data.overdue ? data.overdue + " past the deadline" : "";
    });
  }

  // Roll-call pages --------------------------------------------------------------------------

  function rollCall() {
    var id = config.roll_call;
    var refresh = refresher(function () { return $('[data-targets="' + id + '"]'); }, "/roll-calls/" + id + "/targets");
    return {
      roll_call: function (data) {
        if (data.id === id) refresh();
      },
    };
  }

  function rollCalls() {
    return { roll_call: showCounts };
  }

  // The situation map ----------------------------------------------------------------------

  function mapPage() {
    var container = document.querySelector('[data-map="' + (config.map || "situation") + '"]');
    var handlers = {};
    var pending = [];
    var devices = {};     // device id -> {marker, trail, last}
    var alertMarks = {};  // alert id -> marker
    var rollCalls = {};   // roll call id -> circle
    var group = null;
    var alertsGroup = null;

    function whenReady(then) {
      var tries = 0;
      (function wait() {
        if (container && container.jsmsMap && typeof L !== "undefined") return then(container.jsmsMap);
        if (++tries < 150) setTimeout(wait, 200);
      })();
    }

    function legend(map) {
      var control = L.control({ position: "bottomleft" });
      control.onAdd = function () {
        var box = document.createElement("div");
        box.className = "legend live-legend";
        box.setAttribute("role", "group");
        box.setAttribute("aria-label", "Live convoys legend");
        ["escort", "protectee"].forEach(function (role) {
          var row = document.createElement("div");
          var swatch = document.createElement("i");
          swatch.className = "live-swatch " + role;
          row.appendChild(swatch);
          row.appendChild(document.createTextNode(ROLE_STYLE[role].name + (role === "escort" ? " (dashed trail)" : " (solid trail)")));
          box.appendChild(row);
        });
        var zoom = document.createElement("button");
        zoom.type = "button";
        zoom.className = "live-zoom";
        zoom.textContent = "Show the convoys";
        zoom.addEventListener("click", function (event) {
          event.stopPropagation();
          var bounds = L.latLngBounds([]);
          Object.keys(devices).forEach(function (id) { bounds.extend(devices[id].marker.getLatLng()); });
          if (bounds.isValid()) map.fitBounds(bounds.pad(0.5), { maxZoom: 12 });
        });
        box.appendChild(zoom);
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      control.addTo(map);
    }

    function popupFor(entry) {
      var data = entry.last;
      var box = document.createElement("div");
      box.className = "popup";
      var title = document.createElement("strong");
      title.textContent = data.reference + ": " + (ROLE_STYLE[data.role] || ROLE_STYLE.unknown).name.toLowerCase();
      box.appendChild(title);
      var table = document.createElement("table");
      var progress = progressOf[data.movement];
      var rows = [
        ["Device", data.label],
        ["Speed", data.speed === null || data.speed === undefined ? "not reported" : Math.round(data.speed * 3.6) + " km/h"],
        ["Last fix", ago(data.fixed_at)],
      ];
      if (progress) {
        rows.push(["Progress", Math.round((progress.fraction || 0) * 100) + "% of the route"]);
        rows.push(["ETA", progress.eta ? clock(progress.eta, "UTC") + " UTC" : "not known"]);
      }
      if (data.alarm) rows.push(["Alarm", data.alarm.toUpperCase()]);
      rows.forEach(function (pair) {
        var tr = document.createElement("tr");
        var th = document.createElement("th");
        th.textContent = pair[0];
        var td = document.createElement("td");
        td.textContent = pair[1];
        tr.appendChild(th);
        tr.appendChild(td);
        table.appendChild(tr);
      });
      box.appendChild(table);
      var link = document.createElement("a");
      link.href = "/movements/" + data.movement;
      link.textContent = "Open the movement";
      box.appendChild(link);
      return box;
    }

    function place(data) {
      var style = ROLE_STYLE[data.role] || ROLE_STYLE.unknown;
      var point = [data.lat, data.lon];
      var entry = devices[data.device];
      if (!entry) {
        entry = devices[data.device] = {
          movement: data.movement,
          trail: L.polyline([], { color: style.trail || style.color, weight: 3, opacity: 0.65, dashArray: style.dash, interactive: false }).addTo(group),
          marker: L.circleMarker(point, { radius: style.radius, color: style.stroke || "#fff", weight: 2, fillColor: style.color, fillOpacity: 1 }).addTo(group),
          last: data,
        };
        entry.marker.bindPopup(function () { return popupFor(entry); });
        entry.marker.bindTooltip(data.reference + " · " + data.label);
      }
      if (data.role === "protectee") entry.marker.bringToFront();
      entry.last = data;
      entry.marker.setLatLng(point);
      entry.marker.setStyle({ color: data.alarm ? "#a3001b" : (style.stroke || "#fff"), weight: data.alarm ? 4 : 2 });
      var points = entry.trail.getLatLngs();
      points.push(L.latLng(point));
      if (points.length > TRAIL_POINTS) points.splice(0, points.length - TRAIL_POINTS);
      entry.trail.setLatLngs(points);
      if (entry.marker.isPopupOpen()) entry.marker.setPopupContent(popupFor(entry));
    }

    function forget(movementId) {
      Object.keys(devices).forEach(function (id) {
        if (devices[id].movement !== movementId) return;
        group.removeLayer(devices[id].marker);
        group.removeLayer(devices[id].trail);
        delete devices[id];
      });
    }

    function markAlert(data) {
      if (alertMarks[data.id]) {
        alertsGroup.removeLayer(alertMarks[data.id]);
        delete alertMarks[data.id];
      }
      if (data.status === "resolved" || data.lat === null || data.lat === undefined) return;
      var marker = L.circleMarker([data.lat, data.lon], {
        radius: 14, color: "#a3001b", weight: 3, fill: false, dashArray: data.status === "acknowledged" ? "4 4" : null,
      }).addTo(alertsGroup);
      marker.bindTooltip(data.severity.toUpperCase() + ": " + data.title);
      marker.bindPopup(function () {
        var box = document.createElement("div");
        box.className = "popup";
        var title = document.createElement("strong");
        title.textContent = data.title;
        box.appendChild(title);
        var line = document.createElement("div");
        line.textContent = data.severity + ", " + data.status + (data.reference ? ", " + data.reference : "");
        box.appendChild(line);
        var link = document.createElement("a");
        link.href = data.href;
        link.textContent = "Open the alert";
        box.appendChild(link);
        return box;
      });
      alertMarks[data.id] = marker;
    }

    function markRollCall(data) {
      var circle = rollCalls[data.id];
      if (data.closed) {
        if (circle) alertsGroup.removeLayer(circle);
        delete rollCalls[data.id];
        return;
      }
      var counts = data.counts;
      var text = "Roll call: " + counts.safe + " safe · " + counts.need_help + " need help · " +
        counts.pending + " not answered";
      if (!circle) {
        circle = rollCalls[data.id] = L.circle([data.lat, data.lon], {
          radius: data.radius_km * 1000, color: "#0b5394", weight: 2, dashArray: "8 6", fillOpacity: 0.05,
        }).addTo(alertsGroup);
        circle.bindTooltip(text, { permanent: true, direction: "top", className: "roll-call-count" });
        circle.bindPopup(function () {
          var box = document.createElement("div");
          box.className = "popup";
          var title = document.createElement("strong");
          title.textContent = data.title;
          box.appendChild(title);
          var link = document.createElement("a");
          link.href = data.href;
          link.textContent = "Everyone asked";
          box.appendChild(document.createElement("br"));
          box.appendChild(link);
          return box;
        });
      }
      circle.setTooltipContent(text);
    }

    whenReady(function (map) {
      group = L.layerGroup().addTo(map);
      alertsGroup = L.layerGroup().addTo(map);
      if (container.jsmsLayers) {
        container.jsmsLayers.addOverlay(group, "Live convoys");
        container.jsmsLayers.addOverlay(alertsGroup, "Open alerts and roll calls");
      }
      legend(map);
      container.setAttribute("data-live", "ready");
      pending.splice(0).forEach(function (item) { handlers[item[0]](item[1]); });
    });

    function queued(name, handle) {
      handlers[name] = handle;
      return function (data) {
        if (!group) { pending.push([name, data]); return; }
        handle(data);
      };
    }

    return {
      position: queued("position", place),
      movement: queued("movement", function (data) { if (!data.watching) forget(data.movement); }),
      progress: function (data) { progressOf[data.movement] = data; },
      alert: queued("alert", function (data) {
        knownAlerts[data.id] = true;
        markAlert(data);
      }),
      roll_call: queued("roll_call", markRollCall),
    };
  }

  // The feed --------------------------------------------------------------------------------

  var pages = { dashboard: dashboard, roll_call: rollCall, roll_calls: rollCalls, map: mapPage };
  var handlers = (pages[config.page] || function () { return {}; })();

  function connect() {
    var source = new EventSource("/live/events");
    var last = null;
    source.onopen = function () { status("Live: connected."); };
    source.onerror = function () {
      status(source.readyState === EventSource.CLOSED
        ? "Live updates stopped. Reload the page to start them again."
        : "Live updates interrupted: reconnecting…");
    };
    ["movement", "position", "progress", "alert", "roll_call"].forEach(function (name) {
      source.addEventListener(name, function (event) {
        var data;
        try { data = JSON.parse(event.data); } catch (error) { return; }
        if (handlers[name]) handlers[name](data);
        last = new Date();
        status("Live: connected · last update " + last.toLocaleTimeString("en-GB") + ".");
      });
    });
    source.addEventListener("end", function () {
      source.close();
      status("Live updates stopped: your session has ended. Log in again to resume them.");
    });
  }

  function start() { setTimeout(connect, OPEN_AFTER_MS); }
  if (document.readyState === "complete") start();
  else window.addEventListener("load", start);
})();
