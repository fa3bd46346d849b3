// Times in the reader's own zone: without a chosen zone, remember the browser's and reload once.
(function () {
  var me = document.currentScript;
  if (!me || me.dataset.set === "1" || sessionStorage.getItem("l4a-tz-tried")) return;
  var zone;
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone; } catch (e) { return; }
  if (!zone) return;
  sessionStorage.setItem("l4a-tz-tried", "1");
  document.cookie = "l4a_tz=" + encodeURIComponent(zone) + ";path=" + me.dataset.path +
    ";max-age=31536000;samesite=lax";
  location.reload();
})();
