/* JSMS maps: one script for every map in the control room (see docs/ui.md).
 *
 * A page declares <div class="map" data-map="ID"> and a JSON block <script
 * type="application/json" id="ID">; this script draws the offline base map, the overlays,
 * a layer toggle, a legend and click popups. Popups are built with textContent only, so no
 * text from the database is ever read as HTML.
 */
(function () {
  "use strict";

  var LEVELS = [
    null,
    { name: "Minimal", color: "#8bc34a" },
    { name: "Low", color: "#fdd835" },
    { name: "Moderate", color: "#fb8c00" },
    { name: "Substantial", color: "#e64a19" },
    { name: "High", color: "#b71c1c" },
    { name: "Extreme", color: "#4a0010" },
  ];
  var PALETTE = ["#0b5394", "#6a1b9a", "#00695c", "#ad1457", "#37474f", "#ef6c00"];
  var baseConfig = null;

  function getJSON(url) {
    return fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) throw new Error(url + ": " + response.status);
        return response.json();
      });
  }

  function base() {
    if (!baseConfig) baseConfig = getJSON("/map/base.json");
    return baseConfig;
  }

  function el(tag, text, cls) {
    var node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }

  function popupFor(props) {
    var box = el("div", null, "popup");
    if (props.title) box.appendChild(el("strong", props.title));
    if (props.level) box.appendChild(el("div", "Level " + props.level + " " + LEVELS[props.level].name));
    if (props.lines && props.lines.length) {
      var table = el("table");
      props.lines.forEach(function (row) {
        var tr = el("tr");
        tr.appendChild(el("th", row[0]));
        tr.appendChild(el("td", row[1]));
        table.appendChild(tr);
      });
      box.appendChild(table);
    }
    if (props.href) {
      var link = el("a", props.link_text || "Open");
      link.href = props.href;
      box.appendChild(link);
    }
    return box;
  }

  function styleFor(props, overlay) {
    var color = props.color || overlay.color;
    var style = {
      color: color,
      weight: props.weight || overlay.weight || 2,
      opacity: 0.95,
      fillOpacity: props.fill_opacity !== undefined ? props.fill_opacity : (overlay.fill_opacity !== undefined ? overlay.fill_opacity : 0.2),
    };
    if (props.level && LEVELS[props.level]) {
      style.fillColor = LEVELS[props.level].color;
      style.color = props.color || "#555";
      style.weight = props.weight || 0.6;
      style.fillOpacity = props.fill_opacity !== undefined ? props.fill_opacity : 0.45;
    }
    if (props.dash || overlay.dash) style.dashArray = props.dash || overlay.dash;
    return style;
  }

  function geoLayer(data, overlay, hasLevels) {
    return L.geoJSON(data, {
      style: function (feature) {
        return styleFor(feature.properties || {}, overlay);
      },
      pointToLayer: function (feature, latlng) {
        var props = feature.properties || {};
        var style = styleFor(props, overlay);
        style.radius = props.radius || overlay.radius || 6;
        style.fillOpacity = props.fill_opacity !== undefined ? props.fill_opacity : 0.8;
        style.fillColor = style.fillColor || style.color;
        style.color = props.stroke || "#222";
        style.weight = 1;
        return L.circleMarker(latlng, style);
      },
      onEachFeature: function (feature, layer) {
        var props = feature.properties || {};
        if (props.level) hasLevels.value = true;
        if (props.title || props.lines || props.href) {
          layer.bindPopup(function () { return popupFor(props); });
        }
        if (props.label) layer.bindTooltip(String(props.label));
      },
    });
  }

  function legend(map, overlays, hasLevels) {
    var rows = overlays.filter(function (overlay) { return overlay.legend !== false; });
    if (!rows.length && !hasLevels.value) return;  // nothing to explain: no empty box
    var control = L.control({ position: "bottomright" });
    control.onAdd = function () {
      var box = el("div", null, "legend");
      box.setAttribute("role", "group");
      box.setAttribute("aria-label", "Legend");
      overlays.forEach(function (overlay) {
        if (overlay.legend === false) return;
        var row = el("div");
        var swatch = el("i");
        if (overlay.dash) {
          swatch.style.background = "transparent";
          swatch.style.border = "2px dashed " + overlay.color;
        } else {
          swatch.style.background = overlay.color;
        }
        row.appendChild(swatch);
        row.appendChild(document.createTextNode(overlay.name));
        box.appendChild(row);
      });
      if (hasLevels.value) {
        box.appendChild(el("div", "Threat level", "legend-head"));
        for (var i = 1; i < LEVELS.length; i++) {
          var row = el("div");
          var swatch = el("i");
          swatch.style.background = LEVELS[i].color;
          row.appendChild(swatch);
          row.appendChild(document.createTextNode(i + " " + LEVELS[i].name));
          box.appendChild(row);
        }
      }
      return box;
    };
    control.addTo(map);
  }

  function pickControl(map, picks) {
    var state = { current: 0, marker: null };
    if (picks.length > 1) {
      var control = L.control({ position: "topright" });
      control.onAdd = function () {
        var box = el("div", null, "legend pick");
        box.appendChild(el("div", "Click on the map to set:", "legend-head"));
        picks.forEach(function (pick, index) {
          var button = el("button", pick.label, index === 0 ? "pick-on" : "");
          button.type = "button";
          button.setAttribute("aria-pressed", index === 0 ? "true" : "false");
          button.addEventListener("click", function (event) {
            event.stopPropagation();
            state.current = index;
            box.querySelectorAll("button").forEach(function (other, j) {
              other.className = j === index ? "pick-on" : "";
              other.setAttribute("aria-pressed", j === index ? "true" : "false");
            });
          });
          box.appendChild(button);
        });
        L.DomEvent.disableClickPropagation(box);
        return box;
      };
      control.addTo(map);
    }
    var markers = {};
    map.on("click", function (event) {
      var pick = picks[state.current];
      var lat = document.getElementById(pick.lat);
      var lon = document.getElementById(pick.lon);
      if (lat) lat.value = event.latlng.lat.toFixed(5);
      if (lon) lon.value = event.latlng.lng.toFixed(5);
      if (lat) lat.dispatchEvent(new Event("change", { bubbles: true }));
      if (markers[state.current]) map.removeLayer(markers[state.current]);
      markers[state.current] = L.marker(event.latlng, { title: pick.label, alt: pick.label })
        .bindTooltip(pick.label, { permanent: true })
        .addTo(map);
    });
  }

  function draw(container, config, settings) {
    var map = L.map(container, { preferCanvas: true, zoomSnap: 0.5 });
    map.attributionControl.setPrefix(false);
    if (settings.tile_url) {
      L.tileLayer(settings.tile_url, {
        attribution: settings.tile_attribution || "",
        maxZoom: settings.max_zoom || 18,
      }).addTo(map);
    }
    var outlines = L.layerGroup().addTo(map);
    getJSON(settings.countries_url).then(function (data) {
      L.geoJSON(data, {
        interactive: false,
        style: { color: "#7b8794", weight: 1, fillColor: "#f4f1ea", fillOpacity: settings.tile_url ? 0 : 1 },
      }).addTo(outlines).bringToBack();
      if (settings.provinces_url) {
        return getJSON(settings.provinces_url).then(function (provinces) {
          L.geoJSON(provinces, {
            interactive: false,
            style: { color: "#a0a8b2", weight: 0.8, dashArray: "3 3", fill: false },
          }).addTo(outlines);
        });
      }
    }).catch(function () { /* the overlays still draw */ });
    map.attributionControl.addAttribution(settings.attribution || "Outlines: Natural Earth");

    var overlays = (config.overlays || []).map(function (overlay, index) {
      overlay.color = overlay.color || PALETTE[index % PALETTE.length];
      return overlay;
    });
    var toggles = L.control.layers(null, null, { collapsed: window.innerWidth < 700, position: "topright" });
    var hasLevels = { value: overlays.some(function (o) { return o.levels; }) };
    var bounds = L.latLngBounds([]);
    var pending = overlays.map(function (overlay) {
      var group = L.layerGroup();
      if (overlay.on !== false) group.addTo(map);
      toggles.addOverlay(group, overlay.name);
      function fill(data) {
        group.clearLayers();
        var layer = geoLayer(data, overlay, hasLevels);
        group.addLayer(layer);
        if (overlay.fit !== false && layer.getBounds && layer.getBounds().isValid()) {
          bounds.extend(layer.getBounds());
        }
        if (overlay.count_id) {
          var counter = document.getElementById(overlay.count_id);
          if (counter) counter.textContent = String((data.features || []).length);
        }
      }
      function load() {
        var data = overlay.prefetched || (overlay.url ? getJSON(overlay.url) : Promise.resolve(overlay.data || { type: "FeatureCollection", features: [] }));
        overlay.prefetched = null;
        return data.then(fill).catch(function (error) {
          container.setAttribute("data-error", String(error));
        });
      }
      if (overlay.url && config.refresh) {
        setInterval(function () {
          if (map.hasLayer(group)) getJSON(overlay.url).then(fill).catch(function () {});
        }, config.refresh * 1000);
      }
      if (overlay.on === false) {
        // a layer switched off is fetched only when someone switches it on
        group.once("add", load);
        return Promise.resolve();
      }
      return load();
    });
    if (overlays.length) toggles.addTo(map);
    // Hook for page scripts that add layers of their own (live.js): the layer toggle.
    container.jsmsLayers = toggles;
    if (config.pick && config.pick.length) pickControl(map, config.pick);

    var center = config.center || settings.center;
    map.setView(center, config.zoom || settings.zoom);
    Promise.all(pending).then(function () {
      if (config.fit !== false && bounds.isValid()) {
        map.fitBounds(bounds.pad(0.15), { maxZoom: config.max_zoom || 12 });
      }
      legend(map, overlays, hasLevels);
      container.setAttribute("data-ready", "true");
    });
    return map;
  }

  function init() {
    var containers = document.querySelectorAll("[data-map]");
    if (!containers.length || typeof L === "undefined") return;
    // Ask for every layer at once, while the base settings are still on their way.
    var configs = Array.prototype.map.call(containers, function (container) {
      var block = document.getElementById(container.getAttribute("data-map"));
      var config = block ? JSON.parse(block.textContent) : {};
      (config.overlays || []).forEach(function (overlay) {
        if (overlay.url && overlay.on !== false) overlay.prefetched = getJSON(overlay.url);
      });
      return config;
    });
    base().then(function (settings) {
      containers.forEach(function (container, index) {
        container.jsmsMap = draw(container, configs[index], settings);
      });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
