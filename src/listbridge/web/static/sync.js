// /sync while a job runs: follow /sync/events and keep the status, the notice and the
// buttons in step; the page works without this (it reloads itself while a job runs).
document.addEventListener("DOMContentLoaded", () => {
  const status = document.getElementById("job-status");
  if (!status || status.dataset.busy !== "true" || !window.EventSource) return;
  const notice = document.getElementById("job-running-notice");
  const controls = document.querySelectorAll("#sync-actions button, #sync-actions input[type=checkbox]");
  const show = (live) => {
    status.innerHTML = live.status; // rendered and escaped by the server's template
    status.dataset.busy = String(live.busy);
    document.getElementById("job-running-text").textContent = live.notice;
    notice.hidden = !live.busy;
    controls.forEach((control) => { control.disabled = live.busy; });
  };
  // The latest results and the history changed: take them from a fresh copy of the page.
  const refresh = async () => {
    const page = new DOMParser().parseFromString(await (await fetch(location.href)).text(), "text/html");
    for (const id of ["latest-results", "run-history"]) {
      const fresh = page.getElementById(id);
      const old = document.getElementById(id);
      if (fresh && old) old.replaceWith(fresh);
      else if (fresh && id === "run-history") location.reload();
    }
  };
  const source = new EventSource("/sync/events");
  source.addEventListener("status", (event) => show(JSON.parse(event.data)));
  source.addEventListener("done", (event) => {
    source.close();
    show(JSON.parse(event.data));
    refresh();
  });
});
