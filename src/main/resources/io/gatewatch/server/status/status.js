'use strict';
// Keeps the status page current without reloading it: every few seconds the page is fetched
// again and its <main> swapped in, so scroll position stays. The server renders everything
// (already escaped); nothing here builds HTML from data. Without JavaScript a <noscript> meta
// refresh reloads the page instead.
(() => {
  const stale = document.getElementById('stale');
  const every = () => Number(document.getElementById('status')?.dataset.refreshMs) || 5000;

  async function refresh() {
    if (!document.hidden) {
      try {
        const response = await fetch(location.pathname, { cache: 'no-store' });
        if (!response.ok) {
          throw new Error('HTTP ' + response.status);
        }
        const fresh = new DOMParser()
          .parseFromString(await response.text(), 'text/html')
          .getElementById('status');
        const current = document.getElementById('status');
        if (fresh && current && fresh.dataset.generatedAt !== current.dataset.generatedAt) {
          current.replaceWith(document.adoptNode(fresh));
        }
        stale.hidden = true;
      } catch (e) {
        stale.hidden = false; // the agent went away: keep the last numbers, say they are old
      }
    }
    setTimeout(refresh, every());
  }

  setTimeout(refresh, every());
})();
