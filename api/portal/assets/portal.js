// Progressive enhancement of the portal's server-rendered pages; every page works without it.
// On a request's page while it runs: follow the API's event stream of the request when it answers
// (GET /v1/requests/{id}/events), else poll; on each change, fetch the page again and swap in its
// live part (status, resources, steps), and the actions when the status changed and no one is
// using them. Stops once the request has ended.
(function () {
  'use strict';
  var main = document.getElementById('main');
  if (!main || !main.dataset.request) return;
  var terminal = ['succeeded', 'failed', 'cancelled'];
  var id = main.dataset.request;
  var pollMs = 2000;
  var timer = null;
  var source = null;
  var busy = false;

  function ended() {
    return terminal.indexOf(main.dataset.status) >= 0;
  }

  function stop() {
    if (source) source.close();
    if (timer) clearInterval(timer);
    source = null;
    timer = null;
  }

  function refresh() {
    if (busy) return;
    busy = true;
    fetch(location.pathname, { credentials: 'same-origin', headers: { accept: 'text/html' } })
      .then(function (res) {
        if (!res.ok) throw new Error(String(res.status));
        return res.text();
      })
      .then(function (text) {
        var doc = new DOMParser().parseFromString(text, 'text/html');
        var fresh = doc.getElementById('main');
        if (!fresh) return;
        var live = document.getElementById('live');
        var freshLive = doc.getElementById('live');
        if (live && freshLive && live.innerHTML !== freshLive.innerHTML) live.innerHTML = freshLive.innerHTML;
        var actions = document.getElementById('actions');
        var freshActions = doc.getElementById('actions');
        var changed = fresh.dataset.status !== main.dataset.status;
        if (
          actions &&
          freshActions &&
          (changed || actions.innerHTML !== freshActions.innerHTML) &&
          !actions.contains(document.activeElement)
        ) {
          actions.innerHTML = freshActions.innerHTML;
        }
        main.dataset.status = fresh.dataset.status;
        if (ended()) stop();
      })
      .catch(function () {
        /* A failed refresh is retried at the next tick. */
      })
      .then(function () {
        busy = false;
      });
  }

  function poll() {
    if (!timer) timer = setInterval(refresh, pollMs);
  }

  if (ended()) return;
  if (window.EventSource) {
    source = new EventSource('/v1/requests/' + encodeURIComponent(id) + '/events');
    var heard = false;
    var onEvent = function () {
      heard = true;
      refresh();
    };
    source.onmessage = onEvent;
    source.addEventListener('status', onEvent);
    source.onerror = function () {
      // No stream here (an older API, a proxy that buffers): poll instead.
      if (source) source.close();
      source = null;
      poll();
    };
    // A stream that says nothing for a while (a proxy holding it back): poll as well.
    setTimeout(function () {
      if (!heard && !ended()) poll();
    }, 5000);
  } else {
    poll();
  }
})();
