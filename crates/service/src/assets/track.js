// The tracking page, live: follows /track/{token}/live, moves the courier on the map and
// keeps the ETA current; a new step (or the courier appearing or leaving) reloads the
// page, which says it in words. Without this script the page reads whole.
(function () {
  'use strict';
  var main = document.querySelector('main[data-status]');
  if (!main || !window.EventSource) { return; }
  var shown = main.getAttribute('data-status') + '|' + main.getAttribute('data-courier');
  var source = new EventSource(location.pathname.replace(/\/$/, '') + '/live');
  source.addEventListener('track', function (e) {
    var t = JSON.parse(e.data);
    if (t.status + '|' + (t.courier_position ? '1' : '0') !== shown) {
      source.close();
      location.reload();
      return;
    }
    if (t.courier_position) { move(t.courier_position.geometry.coordinates); }
    if (t.eta) { retell(t.eta); }
  });
  source.addEventListener('gone', function () {
    source.close();
    location.reload();
  });

  // The courier at [lon, lat], in the map's own frame (data-frame).
  function move(p) {
    var map = document.querySelector('svg[data-frame]');
    var dot = map && map.querySelector('.courier');
    if (!dot) { return; }
    var f = JSON.parse(map.getAttribute('data-frame'));
    var x = f.w / 2 + ((p[0] - f.origin[0]) * f.east - f.cx) * f.scale;
    var y = f.h / 2 - ((p[1] - f.origin[1]) * f.north - f.cy) * f.scale;
    dot.setAttribute('cx', x.toFixed(1));
    dot.setAttribute('cy', y.toFixed(1));
  }

  // The ETA as the store's wall clock (the offset the page's times carry).
  function retell(eta) {
    var time = document.querySelector('time.eta');
    if (!time) { return; }
    var offset = /([+-])(\d\d):(\d\d)$/.exec(time.getAttribute('datetime'));
    var minutes = offset ? (offset[1] === '-' ? -1 : 1) * (60 * +offset[2] + +offset[3]) : 0;
    var local = new Date(Date.parse(eta) + minutes * 60000);
    var hh = ('0' + local.getUTCHours()).slice(-2);
    var mm = ('0' + local.getUTCMinutes()).slice(-2);
    time.textContent = hh + ':' + mm;
  }
})();
