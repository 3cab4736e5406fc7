/* Nachrichtensuche – progressive enhancement only. Every feature here also works without JavaScript
   as plain links and GET forms; this script makes them faster:
   - facets, filter chips, sort and pagination load without a full reload (fetch the same URL, swap <main>,
     history.pushState), the person filter box narrows the list while typing;
   - the search box suggests terms, persons and countries (ARIA 1.2 combobox with a listbox popup);
   - on small screens the filter panel starts collapsed;
   - the timeline's bars (SVG links) swap like the other links, and the feed link in <head> follows the page;
     a span dragged over the bars sets date_from/date_to (the "von … bis …" form is the keyboard way);
   - on small screens the filter panel's "Show N results" button closes it and goes to the results;
   - the article page steps from match to match (keys n and p, or its buttons); "/" focuses the search box.
   No inline scripts or styles are used (the pages run under a strict Content-Security-Policy). */
(function () {
  "use strict";

  var root = document.documentElement;
  root.classList.remove("no-js");
  root.classList.add("js");

  var SMALL = window.matchMedia ? window.matchMedia("(max-width: 48rem)") : null;
  var panelOpenOnSmall = false;
  var inflight = null;

  function $(id) { return document.getElementById(id); }

  function announce(text) {
    var live = $("live-status");
    if (!live) return;
    live.textContent = "";
    window.setTimeout(function () { live.textContent = text || ""; }, 50);
  }

  /* ---------------------------------------------------------------- filter panel (small screens) */

  function setupPanel() {
    var panel = $("facet-panel");
    if (!panel) return;
    if (SMALL && SMALL.matches) {
      panel.open = panelOpenOnSmall;
    } else {
      panel.open = true;
    }
    panel.addEventListener("toggle", function () {
      if (SMALL && SMALL.matches) panelOpenOnSmall = panel.open;
    });
  }

  if (SMALL) {
    var onChange = function () { setupPanel(); };
    if (SMALL.addEventListener) SMALL.addEventListener("change", onChange);
    else if (SMALL.addListener) SMALL.addListener(onChange);
  }

  /* ---------------------------------------------------------------- swapping the main region */

  function sameResultsPage(url) {
    var form = $("facet-form");
    var searchPath = form ? new URL(form.action, location.href).pathname : "/";
    return url.origin === location.origin && url.pathname === searchPath;
  }

  function formUrl(form) {
    var url = new URL(form.action, location.href);
    var params = new URLSearchParams();
    new FormData(form).forEach(function (value, key) {
      if (typeof value === "string" && value.trim() !== "" && key !== "page") params.append(key, value);
    });
    url.search = params.toString();
    return url;
  }

  function load(url, options) {
    options = options || {};
    if (inflight) inflight.abort();
    var controller = window.AbortController ? new AbortController() : null;
    inflight = controller;
    var main = $("main");
    main.setAttribute("aria-busy", "true");
    return fetch(url.toString(), {
      headers: { Accept: "text/html" },
      credentials: "same-origin",
      signal: controller ? controller.signal : undefined
    })
      .then(function (response) {
        var type = response.headers.get("Content-Type") || "";
        if (type.indexOf("text/html") === -1) throw new Error("not html");
        return response.text();
      })
      .then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        if (options.only) {
          var fresh = doc.getElementById(options.only);
          var old = $(options.only);
          if (fresh && old) old.replaceWith(document.importNode(fresh, true));
          return;
        }
        var newMain = doc.getElementById("main");
        if (!newMain) { location.assign(url.toString()); return; }
        main.replaceChildren.apply(main, Array.prototype.map.call(newMain.childNodes, function (n) {
          return document.importNode(n, true);
        }));
        document.title = doc.title;
        var newQ = doc.getElementById("q");
        var q = $("q");
        if (newQ && q) q.value = newQ.value;
        var feedSelector = 'link[rel="alternate"][type="application/atom+xml"]';
        var newFeed = doc.querySelector(feedSelector);
        var oldFeed = document.querySelector(feedSelector);
        if (oldFeed) oldFeed.remove();
        if (newFeed) document.head.appendChild(document.importNode(newFeed, true));
        var newSwitch = doc.getElementById("lang-switch");
        var sw = $("lang-switch");
        if (newSwitch && sw) sw.setAttribute("href", newSwitch.getAttribute("href"));
        if (options.push !== false) history.pushState({ swapped: true }, "", url.toString());
        shownUrl = withoutHash(url.toString());
        setupPanel();
        var focusTarget = options.focusId && $(options.focusId);
        if (focusTarget) {
          focusTarget.focus();
        } else if (options.focusResults !== false) {
          var results = $("results") || main;
          results.focus({ preventScroll: true });
          if (options.scroll !== false) {
            var top = (results.getBoundingClientRect().top + window.pageYOffset) - 12;
            if (window.pageYOffset > top) window.scrollTo(0, top);
          }
        }
        var count = $("result-count");
        announce(count ? count.textContent : doc.title);
      })
      .catch(function (err) {
        if (err && err.name === "AbortError") return;
        location.assign(url.toString());
      })
      .then(function () {
        if (inflight === controller) {
          inflight = null;
          main.removeAttribute("aria-busy");
        }
      });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof HTMLInputElement) || target.type !== "checkbox") return;
    var form = target.form;
    if (!form || form.id !== "facet-form") return;
    load(formUrl(form), { focusId: target.id });
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || form.id !== "facet-form") return;
    event.preventDefault();
    var active = document.activeElement;
    load(formUrl(form), { focusId: active && active.id ? active.id : null });
  });

  document.addEventListener("click", function (event) {
    if (event.defaultPrevented || event.button !== 0) return;
    if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    var link = event.target.closest ? event.target.closest("a[data-swap]") : null;
    if (!link) return;
    // getAttribute: an SVG link's .href is an object, not a string (the timeline's bars are SVG links)
    var url = new URL(link.getAttribute("href"), location.href);
    if (!sameResultsPage(url)) return;
    event.preventDefault();
    var hash = url.hash ? url.hash.slice(1) : null;
    url.hash = "";
    load(url, { focusId: null, focusResults: !hash, scroll: !hash }).then(function () {
      if (hash && $(hash)) {
        $(hash).scrollIntoView();
        var first = $(hash).querySelector("input, a");
        if (first) first.focus({ preventScroll: true });
      }
    });
  });

  function withoutHash(href) { return href.split("#")[0]; }
  var shownUrl = withoutHash(location.href);

  window.addEventListener("popstate", function (event) {
    // a jump to an anchor on the same page (skip links, "#facet-person") is not a new state
    if (!event.state || withoutHash(location.href) === shownUrl) return;
    var url = new URL(location.href);
    if (sameResultsPage(url) && $("facet-form")) load(url, { push: false, focusResults: false });
    else location.reload();
  });

  /* ---------------------------------------------------------------- person filter box */

  var filterTimer = null;
  document.addEventListener("input", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || !input.dataset.facetFilter) return;
    window.clearTimeout(filterTimer);
    filterTimer = window.setTimeout(function () {
      if (!input.form) return;
      load(formUrl(input.form), { only: input.dataset.facetFilter, push: false });
    }, 200);
  });

  /* ---------------------------------------------------------------- search suggestions (combobox) */

  function setupCombobox(form) {
    var input = form.querySelector("input[type=search][name=q]");
    var url = form.dataset.suggestUrl;
    if (!input || !url) return;
    var listId = input.id + "-suggestions";
    var list = document.createElement("ul");
    list.id = listId;
    list.className = "suggestions";
    list.setAttribute("role", "listbox");
    list.setAttribute("aria-label", form.dataset.labelList || "Suggestions");
    list.hidden = true;
    input.parentNode.appendChild(list);
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    input.setAttribute("aria-controls", listId);

    var items = [];
    var active = -1;
    var timer = null;
    var request = null;
    var lastQuery = null;

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
      input.removeAttribute("aria-activedescendant");
      active = -1;
    }

    function highlight(index) {
      var options = list.querySelectorAll("[role=option]");
      active = index;
      Array.prototype.forEach.call(options, function (opt, i) {
        opt.setAttribute("aria-selected", i === index ? "true" : "false");
        if (i === index) {
          input.setAttribute("aria-activedescendant", opt.id);
          opt.scrollIntoView({ block: "nearest" });
        }
      });
      if (index < 0) input.removeAttribute("aria-activedescendant");
    }

    function render(suggestions) {
      items = suggestions;
      list.replaceChildren();
      active = -1;
      if (!items.length) { close(); return; }
      items.forEach(function (s, i) {
        var li = document.createElement("li");
        li.id = listId + "-" + i;
        li.className = "suggestion-option";
        li.setAttribute("role", "option");
        li.setAttribute("aria-selected", "false");
        var text = document.createElement("span");
        text.textContent = s.label;
        li.appendChild(text);
        var kindLabel = s.kind === "person" ? form.dataset.labelPerson
          : s.kind === "country" ? form.dataset.labelCountry : "";
        if (kindLabel) {
          var kind = document.createElement("span");
          kind.className = "suggestion-kind";
          kind.textContent = kindLabel;
          li.appendChild(kind);
        }
        li.addEventListener("mousedown", function (e) { e.preventDefault(); });
        li.addEventListener("click", function () { choose(i); });
        list.appendChild(li);
      });
      list.hidden = false;
      input.setAttribute("aria-expanded", "true");
      var template = form.dataset.labelCount || "{n}";
      announce(template.replace("{n}", String(items.length)));
    }

    function choose(index) {
      var s = items[index];
      if (!s) return;
      close();
      if (s.kind === "term") {
        input.value = s.value;
        form.requestSubmit ? form.requestSubmit() : form.submit();
        return;
      }
      var words = input.value.trim().split(/\s+/);
      words.pop();
      var target = new URL(form.action, location.href);
      var params = new URLSearchParams();
      if (words.length) params.set("q", words.join(" "));
      params.append(s.kind, s.value);
      var lang = form.querySelector("input[name=lang]");
      if (lang && lang.value) params.set("lang", lang.value);
      target.search = params.toString();
      location.assign(target.toString());
    }

    function fetchSuggestions() {
      var q = input.value;
      if (q.trim().length < 2) { close(); lastQuery = q; return; }
      if (q === lastQuery && items.length) { list.hidden = false; input.setAttribute("aria-expanded", "true"); return; }
      lastQuery = q;
      if (request) request.abort();
      request = window.AbortController ? new AbortController() : null;
      var target = new URL(url, location.href);
      target.searchParams.set("q", q);
      target.searchParams.set("lang", form.dataset.lang || "de");
      fetch(target.toString(), { signal: request ? request.signal : undefined, headers: { Accept: "application/json" } })
        .then(function (r) { return r.ok ? r.json() : { suggestions: [] }; })
        .then(function (data) {
          if (input.value !== q || document.activeElement !== input) return;
          render((data && data.suggestions) || []);
        })
        .catch(function () { /* suggestions are optional */ });
    }

    input.addEventListener("input", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(fetchSuggestions, 150);
    });
    input.addEventListener("keydown", function (e) {
      var open = !list.hidden && items.length;
      if (e.key === "ArrowDown") {
        if (!open) { lastQuery = null; fetchSuggestions(); return; }
        e.preventDefault();
        highlight(active + 1 >= items.length ? 0 : active + 1);
      } else if (e.key === "ArrowUp") {
        if (!open) return;
        e.preventDefault();
        highlight(active <= 0 ? items.length - 1 : active - 1);
      } else if (e.key === "Enter") {
        if (open && active >= 0) { e.preventDefault(); choose(active); }
        else close();
      } else if (e.key === "Escape") {
        if (open) { e.preventDefault(); close(); }
      } else if (e.key === "Tab") {
        close();
      }
    });
    input.addEventListener("blur", function () { window.setTimeout(close, 100); });
  }

  /* ---------------------------------------------------------------- timeline: drag a span */

  var DRAG_PX = 6;  // a smaller movement is a click on the bar (its link)
  var drag = null;
  var swallowClick = false;

  function timelineSlots(svg) {
    var out = [];
    Array.prototype.forEach.call(svg.querySelectorAll("[data-period]"), function (el) {
      var shape = el.tagName.toLowerCase() === "a" ? el.querySelector(".bar-hit") : el;
      if (!shape) return;
      var x = parseFloat(shape.getAttribute("x"));
      out.push({ period: el.getAttribute("data-period"), label: el.getAttribute("data-label") || "",
               x: x, w: parseFloat(shape.getAttribute("width")) });
    });
    return out;
  }

  function slotAt(svg, slots, clientX) {
    var box = svg.getBoundingClientRect();
    var width = svg.viewBox.baseVal ? svg.viewBox.baseVal.width : box.width;
    var sx = (clientX - box.left) / box.width * width;
    var best = 0;
    slots.forEach(function (s, i) {
      if (Math.abs(s.x + s.w / 2 - sx) < Math.abs(slots[best].x + slots[best].w / 2 - sx)) best = i;
    });
    return best;
  }

  function showSpan(d, a, b) {
    var lo = Math.min(a, b), hi = Math.max(a, b);
    if (!d.overlay) {
      d.overlay = document.createElementNS("http://www.w3.org/2000/svg", "rect");
      d.overlay.setAttribute("class", "span-select");
      d.overlay.setAttribute("y", "0");
      d.overlay.setAttribute("height", String(d.svg.viewBox.baseVal.height));
      d.svg.insertBefore(d.overlay, d.svg.firstChild);
      d.figure.classList.add("is-dragging");
    }
    d.overlay.setAttribute("x", String(d.slots[lo].x));
    d.overlay.setAttribute("width", String(d.slots[hi].x + d.slots[hi].w - d.slots[lo].x));
    d.lo = lo;
    d.hi = hi;
    var hint = d.figure.querySelector("[data-timeline-hint]");
    if (hint) {
      if (d.hintText === undefined) d.hintText = hint.textContent;
      hint.textContent = lo === hi ? d.slots[lo].label : d.slots[lo].label + " – " + d.slots[hi].label;
    }
  }

  function endDrag() {
    if (!drag) return;
    if (drag.overlay) drag.overlay.remove();
    var hint = drag.figure.querySelector("[data-timeline-hint]");
    if (hint && drag.hintText !== undefined) hint.textContent = drag.hintText;
    drag.figure.classList.remove("is-dragging");
    drag = null;
  }

  document.addEventListener("pointerdown", function (event) {
    if (!event.isPrimary || event.button !== 0) return;
    var figure = event.target.closest ? event.target.closest("[data-timeline]") : null;
    var svg = figure && figure.querySelector("svg");
    if (!svg || !svg.contains(event.target)) return;
    var slots = timelineSlots(svg);
    if (slots.length < 2) return;
    drag = { figure: figure, svg: svg, slots: slots, x0: event.clientX, start: slotAt(svg, slots, event.clientX),
             moved: false, overlay: null, pointer: event.pointerId };
  });

  document.addEventListener("pointermove", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    if (!drag.moved && Math.abs(event.clientX - drag.x0) < DRAG_PX) return;
    if (!drag.moved) {
      drag.moved = true;
      try { drag.svg.setPointerCapture(event.pointerId); } catch (e) { /* the pointer is gone */ }
    }
    showSpan(drag, drag.start, slotAt(drag.svg, drag.slots, event.clientX));
  });

  document.addEventListener("pointerup", function (event) {
    if (!drag || event.pointerId !== drag.pointer) return;
    var d = drag;
    endDrag();
    if (!d.moved || d.lo === undefined) return;  // a click: the bar's link does the rest
    swallowClick = true;
    window.setTimeout(function () { swallowClick = false; }, 0);
    var url = new URL(location.href);
    url.hash = "";
    url.searchParams.delete("page");
    url.searchParams.set("date_from", d.slots[d.lo].period);
    url.searchParams.set("date_to", d.slots[d.hi].period);
    if (sameResultsPage(url) && $("facet-form")) load(url, {});
    else location.assign(url.toString());
  });

  document.addEventListener("pointercancel", endDrag);
  // a dragged link would start the browser's own drag and drop (and cancel the span)
  document.addEventListener("dragstart", function (event) {
    if (event.target.closest && event.target.closest("[data-timeline]")) event.preventDefault();
  });
  // the click that ends a drag is not a click on the bar under the pointer
  document.addEventListener("click", function (event) {
    if (!swallowClick) return;
    swallowClick = false;
    event.preventDefault();
    event.stopImmediatePropagation();
  }, true);

  /* ---------------------------------------------------------------- filter panel: "Show N results" */

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-show-results]") : null;
    if (!button) return;
    var panel = $("facet-panel");
    var form = $("facet-form");
    var pending = form && Array.prototype.some.call(form.querySelectorAll("input[type=text]"), function (i) {
      return i.value !== i.defaultValue;
    });
    function show() {
      var p = $("facet-panel");
      if (p) p.open = false;
      panelOpenOnSmall = false;
      var results = $("results");
      if (!results) return;
      results.scrollIntoView({ block: "start" });
      results.focus({ preventScroll: true });
    }
    if (pending) {  // a typed period not applied yet: apply it first, then show its results
      load(formUrl(form), { focusResults: false }).then(show);
    } else {
      if (panel) panel.open = false;
      show();
    }
  });

  /* ---------------------------------------------------------------- article: from match to match */

  var hitIndex = -1;

  function hitGroups() {
    var groups = [];
    var seen = {};
    Array.prototype.forEach.call(document.querySelectorAll(".article-text mark.hit[data-hit]"), function (m) {
      var key = m.getAttribute("data-hit");
      if (!(key in seen)) { seen[key] = groups.length; groups.push([]); }
      groups[seen[key]].push(m);
    });
    return groups;
  }

  function stepHit(step, focusMark) {
    var nav = document.querySelector(".hit-nav");
    var groups = hitGroups();
    if (!nav || !groups.length) return false;
    if (hitIndex >= 0 && groups[hitIndex]) {
      groups[hitIndex].forEach(function (m) { m.classList.remove("hit--current"); });
    }
    hitIndex = hitIndex < 0 ? (step > 0 ? 0 : groups.length - 1)
      : (hitIndex + step + groups.length) % groups.length;
    var group = groups[hitIndex];
    group.forEach(function (m) { m.classList.add("hit--current"); });
    var mark = group[0];
    var smooth = !(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
    mark.scrollIntoView({ block: "center", behavior: smooth ? "smooth" : "auto" });
    if (focusMark) {
      mark.setAttribute("tabindex", "-1");
      mark.focus({ preventScroll: true });
    }
    var counter = nav.querySelector(".hit-counter");
    var template = nav.getAttribute("data-counter") || "{current} / {total}";
    if (counter) {
      counter.textContent = template.replace("{current}", String(hitIndex + 1))
        .replace("{total}", String(groups.length));
    }
    return true;
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("[data-hit-step]") : null;
    if (!button) return;
    stepHit(parseInt(button.getAttribute("data-hit-step"), 10) || 1, false);
  });

  /* ---------------------------------------------------------------- keys: "/" search box, n/p matches */

  function typing(target) {
    if (!target || !target.tagName) return false;
    var tag = target.tagName.toLowerCase();
    return tag === "input" || tag === "textarea" || tag === "select" || target.isContentEditable;
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    if (typing(event.target)) return;
    if (event.key === "/") {
      var box = $("q");
      if (!box) return;
      event.preventDefault();
      box.focus();
      box.select();
    } else if (event.key === "n" || event.key === "p") {
      if (stepHit(event.key === "n" ? 1 : -1, true)) event.preventDefault();
    }
  });

  /* ---------------------------------------------------------------- start */

  function init() {
    setupPanel();
    Array.prototype.forEach.call(document.querySelectorAll("form[data-suggest-url]"), setupCombobox);
    if (history.replaceState && $("facet-form")) history.replaceState({ swapped: true }, "", location.href);
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
