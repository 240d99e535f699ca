// The map page, made playable. The server draws every view and links every year, so the
// page works without this; the script adds a year slider with play and pause (each step
// fetches the server's page for that year and swaps it in: the shapes stay in the
// browser's cache), a read-out beside the map for the shape pointed at or tapped, zoom
// and drag on the map, a copy button for the link to the view, and a PNG download.
(function () {
  "use strict";

  var STEP_MS = 1400; // how long each year shows while playing
  var playing = false;
  var timer = null;
  var places = {}; // places URL → promise of {fips: [name, slug]}
  var zoomed = null; // {key, box} kept across years

  function $(root, selector) { return root.querySelector(selector); }
  function $$(root, selector) { return Array.prototype.slice.call(root.querySelectorAll(selector)); }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text) node.textContent = text;
    return node;
  }

  // --- Loading another view without reloading the page -------------------------------

  var latest = 0; // only the last view asked for is shown

  function load(url, how, fromPlay) {
    var ticket = ++latest;
    return fetch(url, { headers: { Accept: "text/html" }, credentials: "same-origin" })
      .then(function (response) { return response.text().then(function (t) { return [response, t]; }); })
      .then(function (pair) {
        if (ticket !== latest || (fromPlay && !playing)) return; // overtaken, or paused
        var doc = new DOMParser().parseFromString(pair[1], "text/html");
        var fresh = $(doc, "[data-map-page]");
        var page = $(document, "[data-map-page]");
        if (!fresh || !page) { window.location.href = url; return; }
        var hadFocus = document.activeElement && document.activeElement.matches("[data-map-slider], [data-map-play]")
          ? document.activeElement.getAttribute("data-map-slider") !== null ? "[data-map-slider]" : "[data-map-play]"
          : null;
        page.innerHTML = fresh.innerHTML;
        document.title = doc.title;
        var address = pair[0].url || url;
        if (how === "push") history.pushState({ map: true }, "", address);
        else if (how === "replace") history.replaceState({ map: true }, "", address);
        init(page);
        if (hadFocus) { var again = $(page, hadFocus); if (again) again.focus(); }
      });
  }

  window.addEventListener("popstate", function () {
    if ($(document, "[data-map-page]")) load(window.location.href, null);
  });

  // --- The year slider ---------------------------------------------------------------

  function slider(page) {
    var nav = $(page, "[data-map-years]");
    if (!nav) return;
    var links = $$(nav, "a[data-year]");
    if (links.length < 2) return;
    var current = Math.max(0, links.findIndex(function (a) { return a.hasAttribute("aria-current"); }));
    var box = el("div", { "class": "map-slider" });
    var label = el("label", { "for": "map-year" }, "Year");
    var range = el("input", {
      type: "range", id: "map-year", min: "0", max: String(links.length - 1), step: "1",
      value: String(current), "data-map-slider": "", "aria-valuetext": links[current].dataset.year,
    });
    var output = el("output", { "for": "map-year", "aria-hidden": "true" }, links[current].dataset.year);
    var play = el("button", { type: "button", "data-map-play": "", "aria-pressed": playing ? "true" : "false" },
      playing ? "Pause" : "Play");
    var first = el("span", { "class": "map-slider-end", "aria-hidden": "true" }, links[0].dataset.year);
    var last = el("span", { "class": "map-slider-end", "aria-hidden": "true" }, links[links.length - 1].dataset.year);
    box.append(label, first, range, last, output, play);
    nav.insertBefore(box, nav.firstChild);
    // The slider stands for the links (still there without the script).
    $$(nav, ".map-years-note, ul").forEach(function (n) { n.hidden = true; });

    function year(i) { return links[i].dataset.year; }
    range.addEventListener("input", function () {
      output.textContent = year(range.value);
      range.setAttribute("aria-valuetext", year(range.value));
    });
    range.addEventListener("change", function () {
      stop();
      load(links[range.value].href, "push");
    });
    play.addEventListener("click", function () {
      if (playing) { stop(); play.textContent = "Play"; play.setAttribute("aria-pressed", "false"); return; }
      playing = true;
      play.textContent = "Pause";
      play.setAttribute("aria-pressed", "true");
      var start = Number(range.value) >= links.length - 1 ? 0 : Number(range.value) + 1;
      step(links[start].href);
    });
  }

  function step(url) {
    load(url, "replace", true);
  }

  function schedule(links, index) {
    clearTimeout(timer);
    if (index >= links.length - 1) { stop(); var b = $(document, "[data-map-play]"); if (b) { b.textContent = "Play"; b.setAttribute("aria-pressed", "false"); } return; }
    timer = setTimeout(function () { if (playing) step(links[index + 1].href); }, STEP_MS);
  }

  function stop() { playing = false; clearTimeout(timer); latest++; }

  // --- What the pointer is on ----------------------------------------------------------

  function namesOf(figure) {
    var url = figure.dataset.places;
    if (!url) return Promise.resolve({});
    if (!places[url]) {
      places[url] = fetch(url, { credentials: "same-origin" })
        .then(function (r) { return r.ok ? r.json() : {}; })
        .catch(function () { return {}; });
    }
    return places[url];
  }

  function shapeOf(target, svg) {
    var node = target;
    if (node && node.closest) node = node.closest("use, a");
    if (!node || !svg.contains(node) || node.classList.contains("borders")) return null;
    if (node.tagName.toLowerCase() === "a") node = $(node, "use");
    return node;
  }

  function describe(use, names, legend, page) {
    var href = use.getAttribute("href") || "";
    var fips = use.dataset.fips || href.slice(href.lastIndexOf("#f") + 2);
    var coloured = use.closest("[data-value]");
    var value = (coloured && coloured.dataset.value) || "unknown";
    // A named link (a state, or a county of one state); the national map's county links
    // carry no name: it comes from the places file.
    var link = use.closest("a[aria-label]");
    var name;
    if (link) name = link.getAttribute("aria-label").replace(/: [^:]*$/, "");
    else if (names[fips]) name = names[fips][0];
    else name = "County " + fips;
    var info = { fips: fips, name: name, value: legend[value] || { label: value, description: "" }, links: [] };
    var profileUrl = page.figure.dataset.profileUrl || "";
    if (link && fips.length === 2) {
      info.links.push({ text: "Open its counties", href: link.getAttribute("href") });
      if (link.dataset.profile) info.links.push({ text: "Open " + name + "’s profile", href: link.dataset.profile });
    } else if (link) {
      info.links.push({ text: "Open the profile", href: link.getAttribute("href") });
    } else if (names[fips]) {
      info.links.push({ text: "Open the profile", href: profileUrl.replace("jurisdiction-slug", names[fips][1]) });
    }
    if (!link && fips.length === 5) {
      var option = $(page.root, '#map-state option[data-fips="' + fips.slice(0, 2) + '"]');
      if (option) {
        var url = new URL(window.location.href);
        url.searchParams.set("level", "county");
        url.searchParams.set("state", option.value);
        info.links.push({ text: "Open " + option.textContent + "’s counties", href: url.pathname + url.search });
      }
    }
    return info;
  }

  function showReadout(readout, info) {
    readout.textContent = "";
    readout.appendChild(el("p", { "class": "readout-name" }, info.name));
    readout.appendChild(el("p", { "class": "readout-value" }, info.value.label));
    if (info.value.description) readout.appendChild(el("p", { "class": "muted" }, info.value.description));
    if (info.links.length) {
      var p = el("p", {});
      info.links.forEach(function (l, i) {
        if (i) p.appendChild(document.createTextNode(" · "));
        p.appendChild(el("a", { href: l.href }, l.text));
      });
      readout.appendChild(p);
    }
  }

  function readouts(page) {
    var svg = page.svg, readout = $(page.root, "[data-map-readout]");
    if (!svg || !readout) return;
    var legend = {};
    $$(page.root, ".map-side .map-legend li[data-value]").forEach(function (li) {
      legend[li.dataset.value] = { label: li.dataset.label, description: li.dataset.description };
    });
    var pinned = null;
    var states = svg.classList.contains("choropleth-state");

    function show(use) {
      namesOf(page.figure).then(function (names) {
        showReadout(readout, describe(use, names, legend, page));
      });
    }
    svg.addEventListener("mouseover", function (event) {
      var use = shapeOf(event.target, svg);
      if (use) show(use);
    });
    svg.addEventListener("mouseleave", function () { if (pinned) show(pinned); });
    svg.addEventListener("focusin", function (event) {
      var use = shapeOf(event.target, svg);
      if (use) show(use);
    });
    svg.addEventListener("click", function (event) {
      if (page.dragged) { event.preventDefault(); page.dragged = false; return; }
      var use = shapeOf(event.target, svg);
      if (!use) return;
      // A state opens its counties; a county is read first, its profile one link away.
      // Enter on a focused link (detail 0) follows it.
      if (states || event.detail === 0) return;
      event.preventDefault();
      if (pinned) pinned.classList.remove("selected");
      pinned = use;
      use.classList.add("selected");
      show(use);
    });
    page.select = function (use) { pinned = use; };
  }

  // --- Zoom and drag -------------------------------------------------------------------

  function zoom(page) {
    var svg = page.svg;
    if (!svg) return;
    var home = (svg.getAttribute("data-view") || svg.getAttribute("viewBox")).split(/\s+/).map(Number);
    var key = svg.className.baseVal + "|" + home.join(" ");
    var box = zoomed && zoomed.key === key ? zoomed.box.slice() : home.slice();
    function apply() {
      svg.setAttribute("viewBox", box.map(function (n) { return n.toFixed(1); }).join(" "));
      var isZoomed = box[2] < home[2] - 0.01;
      svg.classList.toggle("zoomed", isZoomed);
      zoomed = isZoomed ? { key: key, box: box.slice() } : null;
    }
    function by(factor) {
      var selected = $(svg, "use.selected");
      var cx = box[0] + box[2] / 2, cy = box[1] + box[3] / 2;
      if (selected && factor < 1) {
        var b = selected.getBBox();
        cx = b.x + b.width / 2; cy = b.y + b.height / 2;
      }
      var w = Math.min(home[2], Math.max(home[2] / 24, box[2] * factor));
      var h = w * home[3] / home[2];
      box = [cx - w / 2, cy - h / 2, w, h];
      apply();
    }
    var tools = el("div", { "class": "map-zoom", role: "group", "aria-label": "Zoom the map" });
    var zin = el("button", { type: "button", "aria-label": "Zoom in", "data-map-zoom-in": "" }, "+");
    var zout = el("button", { type: "button", "aria-label": "Zoom out", "data-map-zoom-out": "" }, "−");
    var reset = el("button", { type: "button", "aria-label": "Reset the zoom" }, "⤢");
    zin.addEventListener("click", function () { by(1 / 1.8); });
    zout.addEventListener("click", function () { by(1.8); });
    reset.addEventListener("click", function () { box = home.slice(); apply(); });
    tools.append(el("span", { "aria-hidden": "true" }, "Zoom"), zin, zout, reset);
    svg.parentNode.insertBefore(tools, svg.nextSibling);
    apply();

    var start = null;
    svg.addEventListener("pointerdown", function (event) {
      if (!svg.classList.contains("zoomed")) return;
      start = { x: event.clientX, y: event.clientY, box: box.slice(), id: event.pointerId };
      page.dragged = false;
    });
    svg.addEventListener("pointermove", function (event) {
      if (!start || event.pointerId !== start.id) return;
      var dx = event.clientX - start.x, dy = event.clientY - start.y;
      if (!page.dragged && Math.abs(dx) + Math.abs(dy) < 6) return;
      page.dragged = true;
      var scale = box[2] / svg.clientWidth;
      box = [start.box[0] - dx * scale, start.box[1] - dy * scale, box[2], box[3]];
      apply();
    });
    function end() { start = null; }
    svg.addEventListener("pointerup", end);
    svg.addEventListener("pointercancel", end);
  }

  // --- Share and download --------------------------------------------------------------

  function share(page) {
    var input = $(page.root, "[data-map-share]");
    var copy = $(page.root, "[data-map-copy]");
    var status = $(page.root, "[data-map-copy-status]");
    if (!input || !copy) return;
    copy.hidden = false;
    copy.addEventListener("click", function () {
      function done() { status.textContent = "Link copied."; }
      if (navigator.clipboard && navigator.clipboard.writeText) {
        navigator.clipboard.writeText(input.value).then(done, function () {
          input.select(); status.textContent = "Press Ctrl+C (⌘C) to copy the selected link.";
        });
      } else {
        input.select();
        document.execCommand("copy");
        done();
      }
    });
  }

  function png(page) {
    var button = $(page.root, "[data-map-png]");
    var svgLink = $(page.root, "[data-map-svg]");
    if (!button || !svgLink) return;
    $(page.root, "[data-map-png-item]").hidden = false;
    button.addEventListener("click", function () {
      button.disabled = true;
      fetch(svgLink.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (text) {
        var image = new Image();
        image.onload = function () {
          var canvas = document.createElement("canvas");
          canvas.width = image.naturalWidth * 2;
          canvas.height = image.naturalHeight * 2;
          var context = canvas.getContext("2d");
          context.fillStyle = "#fff";
          context.fillRect(0, 0, canvas.width, canvas.height);
          context.drawImage(image, 0, 0, canvas.width, canvas.height);
          canvas.toBlob(function (blob) {
            var name = (svgLink.getAttribute("download") || "policyhub-map.svg").replace(/\.svg$/, "");
            var a = el("a", { href: URL.createObjectURL(blob), download: name + ".png" });
            document.body.appendChild(a);
            a.click();
            a.remove();
            button.disabled = false;
          }, "image/png");
        };
        image.onerror = function () { button.disabled = false; };
        image.src = "data:image/svg+xml;base64," + btoa(unescape(encodeURIComponent(text)));
      });
    });
  }

  function init(root) {
    var figure = $(root, "[data-map-figure]");
    var page = { root: root, figure: figure, svg: figure && $(figure, "svg.choropleth"), dragged: false };
    if (!figure) return;
    slider(root);
    readouts(page);
    zoom(page);
    share(page);
    png(page);
    if (playing) {
      var links = $$(root, "[data-map-years] a[data-year]");
      var current = links.findIndex(function (a) { return a.hasAttribute("aria-current"); });
      schedule(links, current);
    }
  }

  var root = $(document, "[data-map-page]");
  if (root) init(root);
})();
