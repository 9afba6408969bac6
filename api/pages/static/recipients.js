// The văn thư's Nơi nhận: one button copies every recipient's line "name — link" as plain
// text. Without the Clipboard API (an http page other than localhost) it selects the list in
// its text box and uses the older copy command; the list stays readable and selectable anyway.
(function () {
  "use strict";
  var button = document.getElementById("chep-lien-ket");
  var result = document.getElementById("chep-lien-ket-ket-qua");
  var list = button && document.getElementById(button.getAttribute("data-copy"));
  if (!button || !list) {
    return;
  }
  var count = list.value.split("\n").filter(function (line) { return line.trim(); }).length;
  function done(ok) {
    result.textContent = ok
      ? "Đã chép " + count + " liên kết."
      : "Không chép được: mở danh sách bên dưới và chép bằng tay.";
  }
  function fallback() {
    list.closest("details").open = true;
    list.focus();
    list.select();
    var ok = false;
    try {
      ok = document.execCommand("copy");
    } catch (e) {
      ok = false;
    }
    done(ok);
  }
  button.hidden = false;
  button.addEventListener("click", function () {
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(list.value).then(function () { done(true); }, fallback);
    } else {
      fallback();
    }
  });
})();

// The printable list's button (the page's security policy allows no inline script).
(function () {
  "use strict";
  var button = document.getElementById("in-danh-sach");
  if (button) {
    button.addEventListener("click", function () { window.print(); });
  }
})();
