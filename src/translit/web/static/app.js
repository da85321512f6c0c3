// Suggestions while typing in the lookup box; the page works without this file.
(function () {
  const box = document.getElementById("q");
  const list = document.getElementById("suggestions");
  if (!box || !list) return;
  let timer = null;
  box.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(async function () {
      const q = box.value.trim();
      if (q.length < 3) return;
      const resp = await fetch("/api/v1/suggest?q=" + encodeURIComponent(q));
      if (!resp.ok) return;
      const data = await resp.json();
      list.replaceChildren(...data.suggestions.map(function (s) {
        const o = document.createElement("option");
        o.value = s.canonical;
        o.label = s.native;
        return o;
      }));
    }, 150);
  });
})();
