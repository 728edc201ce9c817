// The dispatcher's console, live: follows /console/live. Couriers glide to each new
// position (the map's own frame, data-frame); when orders or the plan change, the lists
// are fetched again and swapped in place, keeping the focus where it was. An order in
// the queue dragged onto a courier is assigned to it, and a courier's stop dragged onto
// another of its stops moves there, through the same forms the buttons post. The page
// works without this script: every action reloads it.
(function () {
  'use strict';
  var map = document.querySelector('.map svg[data-frame]');
  var lists = document.getElementById('lists');
  if (!window.EventSource || !lists) { return; }
  var frame = map ? JSON.parse(map.getAttribute('data-frame')) : null;
  var query = location.search.replace(/([?&])(done|order)=[^&]*/g, '$1');
  var version = document.querySelector('main').getAttribute('data-version') || '';
  var source;
  var retry = 1000;
  var opened = 0;
  connect();

  function connect() {
    source = new EventSource('/console/live?since=' + encodeURIComponent(version));
    source.addEventListener('open', function () {
      retry = 1000;
      opened += 1;
      document.body.setAttribute('data-streams', String(opened));
    });
    source.addEventListener('positions', function (e) { place(JSON.parse(e.data)); });
    source.addEventListener('lists', function (e) { version = e.data; refresh(); });
    source.addEventListener('error', function () {
      // Dropped: come back, and catch up on the lists missed meanwhile.
      source.close();
      setTimeout(function () { connect(); refresh(); }, retry);
      retry = Math.min(retry * 2, 15000);
    });
  }

  // Drag an order of the queue onto a courier of the list to give it to that courier;
  // drag a courier's stop onto another of its stops to serve it there instead.
  var STOP = 'stop\n';
  document.addEventListener('dragstart', function (e) {
    var stop = e.target.closest && e.target.closest('li[data-stop]');
    var row = e.target.closest && e.target.closest('tr[data-order][draggable]');
    if (stop) {
      var who = stop.closest('li[data-courier]').getAttribute('data-courier');
      e.dataTransfer.setData('text/plain', STOP + who + '\n' + stop.getAttribute('data-stop'));
    } else if (row) {
      e.dataTransfer.setData('text/plain', row.getAttribute('data-order'));
    }
  });
  document.addEventListener('dragover', function (e) {
    var li = e.target.closest && e.target.closest('li[data-stop], li[data-courier]');
    if (li) { e.preventDefault(); li.classList.add('drop'); }
  });
  document.addEventListener('dragleave', function (e) {
    var li = e.target.closest && e.target.closest('li[data-stop], li[data-courier]');
    if (li) { li.classList.remove('drop'); }
  });
  document.addEventListener('drop', function (e) {
    var li = e.target.closest && e.target.closest('li[data-courier]');
    var data = e.dataTransfer && e.dataTransfer.getData('text/plain');
    if (!li || !data) { return; }
    e.preventDefault();
    document.querySelectorAll('.drop').forEach(function (x) { x.classList.remove('drop'); });
    var courier = li.getAttribute('data-courier');
    if (data.indexOf(STOP) !== 0) {
      post('/console/assign', { order_id: data, courier_id: courier });
      return;
    }
    var parts = data.slice(STOP.length).split('\n');
    var onto = e.target.closest('li[data-stop]');
    if (parts[0] !== courier || !onto) { return; }
    var from = parts[1].split(':');
    var to = onto.getAttribute('data-stop').split(':')[0];
    post('/console/reorder', { courier_id: courier, move: [to].concat(from.slice(1)).join(':') });
  });

  // Posts a form as the page's own buttons do; shows what the console answered (done,
  // or refused with why) and its lists, in place.
  function post(action, fields) {
    var body = Object.keys(fields).map(function (k) {
      return encodeURIComponent(k) + '=' + encodeURIComponent(fields[k]);
    }).join('&');
    fetch(action, {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: body
    }).then(function (r) { return r.text(); }).then(function (html) {
      var page = new DOMParser().parseFromString(html, 'text/html');
      var fresh = page.getElementById('lists');
      if (fresh) { lists.innerHTML = fresh.innerHTML; recolour(); }
      var said = page.querySelector('main > .done, main > .error');
      var old = document.querySelector('main > .done, main > .error');
      if (old) { old.remove(); }
      if (said) { lists.parentNode.insertBefore(document.adoptNode(said), lists); }
    });
  }

  // Each courier's marker takes the state its row in the lists now shows.
  function recolour() {
    if (!map) { return; }
    lists.querySelectorAll('li[data-courier] .dot').forEach(function (dot) {
      var id = dot.parentNode.getAttribute('data-courier');
      var state = dot.className.replace('dot', '').trim();
      var marker = map.querySelector('circle.courier[data-courier="' + CSS.escape(id) + '"]');
      if (marker && state) { marker.setAttribute('class', 'courier ' + state); }
    });
  }

  // Each courier [id, lon, lat] at its place on the map.
  function place(list) {
    if (!frame) { return; }
    list.forEach(function (c) {
      var dot = map.querySelector('circle.courier[data-courier="' + CSS.escape(c[0]) + '"]');
      if (!dot) { return; }
      var x = frame.w / 2 + ((c[1] - frame.origin[0]) * frame.east - frame.cx) * frame.scale;
      var y = frame.h / 2 - ((c[2] - frame.origin[1]) * frame.north - frame.cy) * frame.scale;
      dot.style.transform = 'translate(' + x.toFixed(1) + 'px, ' + y.toFixed(1) + 'px)';
    });
    document.body.setAttribute('data-positions', String(Date.now()));
  }

  // The lists again, swapped in place; the focused control keeps its focus.
  function refresh() {
    fetch('/console/lists' + query, { credentials: 'same-origin' })
      .then(function (r) {
        if (r.status === 401) { location.reload(); return null; }
        return r.ok ? r.text() : null;
      })
      .then(function (html) {
        if (html === null || html === undefined) { return; }
        var focused = document.activeElement && document.activeElement.id;
        lists.innerHTML = html;
        if (focused) {
          var again = document.getElementById(focused);
          if (again) { again.focus(); }
        }
        recolour();
        document.body.setAttribute('data-lists', String(Date.now()));
      });
  }
})();
