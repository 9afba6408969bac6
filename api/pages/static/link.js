// A recipient's page: once it is shown in a browser, tell the service the document was opened
// (a POST to the address in data-open). The page's plain GET records nothing, because mail
// systems' link scanners fetch every link in a message; they do not run this script.
(function () {
  "use strict";
  var card = document.getElementById("van-ban");
  var address = card && card.getAttribute("data-open");
  if (!address || !window.fetch) {
    return;
  }
  window.fetch(address, { method: "POST", credentials: "omit", keepalive: true });
})();
