/* PostCash portal, /bureaux: a map of the listed post offices, on request.
   The list is the page; this adds a button that loads Leaflet (vendored, about
   45 KB compressed) and OpenStreetMap's tiles only when the customer asks. */
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || navigator.onLine === false) return;
  var offices = Array.prototype.filter.call(document.querySelectorAll("li[data-lat]"), function (li) {
    return isFinite(parseFloat(li.dataset.lat)) && isFinite(parseFloat(li.dataset.lon));
  });
  if (!offices.length) return;

  var button = document.createElement("button");
  button.type = "button";
  button.className = "map-button";
  button.textContent = box.dataset.button;
  var note = document.createElement("p");
  note.className = "map-note";
  note.textContent = box.dataset.note;
  box.parentNode.insertBefore(button, box);
  box.parentNode.insertBefore(note, box);

  function load(done) {
    var css = document.createElement("link");
    css.rel = "stylesheet";
    css.href = box.dataset.leafletCss;
    document.head.appendChild(css);
    var script = document.createElement("script");
    script.src = box.dataset.leaflet;
    script.onload = done;
    document.head.appendChild(script);
  }

  function draw() {
    box.hidden = false;
    box.setAttribute("role", "region");
    box.setAttribute("aria-label", box.dataset.label);
    var map = L.map(box, { scrollWheelZoom: false });
    L.tileLayer(box.dataset.tiles, { maxZoom: 18, attribution: box.dataset.attribution }).addTo(map);
    var points = offices.map(function (li) {
      var at = [parseFloat(li.dataset.lat), parseFloat(li.dataset.lon)];
      var link = document.createElement("a");
      link.href = "#" + li.id;
      link.textContent = li.dataset.name;
      L.circleMarker(at, { radius: 8, color: "#00477f", fillColor: "#ffcc00", fillOpacity: 1 })
        .bindPopup(link).addTo(map);
      return at;
    });
    map.fitBounds(points, { padding: [24, 24], maxZoom: 14 });
  }

  button.addEventListener("click", function () {
    button.disabled = true;
    note.remove();
    button.remove();
    if (window.L) draw(); else load(draw);
  });
})();
