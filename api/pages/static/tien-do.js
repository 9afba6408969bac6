// The Hồ sơ page while its generation runs as a job: ask the job's state every second (GET
// data-job, the signed-in user's own cookie), show "Đang tạo văn bản 7/19", and once the job has
// finished open data-done, the page that says what it made or why it failed. Without this
// script the page still says where the job stood when it was shown.
(function () {
  "use strict";
  var box = document.getElementById("tien-do");
  var address = box && box.getAttribute("data-job");
  if (!address || !window.fetch) {
    return;
  }
  function ask() {
    window
      .fetch(address, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (answer) {
        return answer.ok ? answer.json() : null;
      })
      .then(function (job) {
        if (job === null) {
          return;
        }
        box.textContent = job.progress_vi;
        if (job.state === "done" || job.state === "failed") {
          window.location.assign(box.getAttribute("data-done"));
          return;
        }
        window.setTimeout(ask, 1000);
      })
      .catch(function () {
        window.setTimeout(ask, 3000);
      });
  }
  window.setTimeout(ask, 500);
})();
