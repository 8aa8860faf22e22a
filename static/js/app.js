// Small progressive enhancements; every page works without them.
(function () {
  "use strict";
  function initPicker(root) {
    var left = root.querySelector(".picker-left");
    var right = root.querySelector(".picker-right");
    function move(from, to) {
      Array.prototype.slice.call(from.selectedOptions).forEach(function (o) {
        o.selected = false;
        to.appendChild(o);
      });
    }
    root.querySelector('[data-move="right"]').addEventListener("click", function () { move(left, right); });
    root.querySelector('[data-move="left"]').addEventListener("click", function () { move(right, left); });
    left.addEventListener("dblclick", function () { move(left, right); });
    right.addEventListener("dblclick", function () { move(right, left); });
    var form = root.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        Array.prototype.forEach.call(right.options, function (o) { o.selected = true; });
      });
    }
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-picker]").forEach(initPicker);
    document.querySelectorAll("[data-confirm]").forEach(function (el) {
      el.addEventListener("submit", function (e) {
        if (!window.confirm(el.getAttribute("data-confirm"))) { e.preventDefault(); }
      });
    });
  });
})();
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-fill]").forEach(function (sel) {
      sel.addEventListener("change", function () {
        var target = document.getElementById(sel.getAttribute("data-fill"));
        if (target && sel.value) { target.value = target.value ? target.value + "\n" + sel.value : sel.value; }
      });
    });
    document.querySelectorAll("[data-check-all]").forEach(function (box) {
      box.addEventListener("change", function () {
        document.querySelectorAll('input[name="' + box.getAttribute("data-check-all") + '"]').forEach(function (c) { c.checked = box.checked; });
      });
    });
  });
})();
