// Chấm điểm: recompute the points as the clerk types. The form is posted (nothing is saved) to
// the address in its data-preview attribute; the answer's points, reasons, sums, verdict and
// problems are written into the elements marked data-points, data-reason, data-criterion,
// data-group, data-total, data-final, data-verdict and data-error. Without this script the
// page still works: "Lưu" shows the same after a reload.
(function () {
  "use strict";
  var form = document.getElementById("phieu");
  if (!form) {
    return;
  }
  var address = form.getAttribute("data-preview");
  var timer = null;
  var asked = 0;

  function each(selector, write) {
    var found = document.querySelectorAll(selector);
    for (var n = 0; n < found.length; n += 1) {
      write(found[n]);
    }
  }

  function put(selector, text) {
    each(selector, function (el) { el.textContent = text; });
  }

  function show(data) {
    Object.keys(data.items).forEach(function (id) {
      var line = data.items[id];
      put('[data-points="' + id + '"]', line.points || "—");
      each('[data-reason="' + id + '"]', function (el) {
        el.textContent = line.reason || line.problem;
        el.classList.toggle("problem", !line.reason);
      });
    });
    Object.keys(data.criteria).forEach(function (id) {
      put('[data-criterion="' + id + '"]', data.criteria[id]);
    });
    Object.keys(data.groups).forEach(function (id) {
      put('[data-group="' + id + '"]', data.groups[id]);
    });
    put("[data-total]", data.total);
    put("[data-final]", data.final);
    put("[data-verdict]", data.verdict);
    each("[data-error]", function (el) {
      el.textContent = data.errors[el.getAttribute("data-error")] || "";
    });
    form.setAttribute("data-state", "fresh");
  }

  function refresh() {
    asked += 1;
    var mine = asked;
    fetch(address, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (response) {
      return response.ok ? response.json() : null;
    }).then(function (data) {
      if (mine !== asked) {
        return;
      }
      if (data === null) {
        put("[data-verdict]", "Chưa tính lại được: hãy tải lại trang");
        form.setAttribute("data-state", "failed");
        return;
      }
      show(data);
    }, function () {
      put("[data-verdict]", "Chưa tính lại được: mất kết nối tới máy chủ");
      form.setAttribute("data-state", "failed");
    });
  }

  function changed() {
    form.setAttribute("data-state", "pending");
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 250);
  }

  form.addEventListener("input", changed);
  form.addEventListener("change", changed);
}());
