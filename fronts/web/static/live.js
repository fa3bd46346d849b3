// The projector view: follow the poll's tally (server-sent events) without reloading.
(function () {
  var me = document.currentScript;
  if (!me || !window.EventSource) return;
  var source = new EventSource(me.dataset.events);
  function text(id, value) { var el = document.getElementById(id); if (el) el.textContent = value; }
  source.addEventListener("tally", function (e) {
    var s = JSON.parse(e.data);
    text("status", s.status);
    text("votes", s.votes);
    document.getElementById("bars").hidden = !s.show;
    document.getElementById("hidden").hidden = s.show;
    for (var i = 0; i < s.counts.length; i++) {
      var m = document.getElementById("m" + (i + 1));
      if (m) m.value = s.percents[i];
      text("c" + (i + 1), s.percents[i] + " % (" + s.counts[i] + ")");
    }
    if (!s.open) { source.close(); document.body.classList.add("final"); }
  });
})();
