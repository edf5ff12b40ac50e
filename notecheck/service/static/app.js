/* notecheck page: checks the note as it is typed (debounced), lists the findings with their fixes and
 * shows the note with what was read highlighted.
 *
 * Note text is PHI and untrusted. Every piece of it reaches the page as a text node (textContent /
 * createTextNode) — never as markup — and the server's Content-Security-Policy forbids inline script.
 * Nothing is stored in the browser; the note goes only to this server's /v1/check.
 */
"use strict";
(function () {
  const DEBOUNCE_MS = 300;
  const $ = (id) => document.getElementById(id);
  const noteEl = $("note"), billedEl = $("billed"), payerEl = $("payer");
  const keyEl = $("apikey"), keyLabel = $("key-label");
  const viewEl = $("view"), findingsEl = $("findings"), codesEl = $("codes"), summaryEl = $("summary");
  const statusEl = $("status"), inputErrorEl = $("input-error"), readErrorsEl = $("read-errors");

  let timer = null;
  let seq = 0;            // every check gets a number; only the newest one may render
  let controller = null;  // aborts the check in flight when a newer one starts
  let current = null;     // {text, report} of the last completed check
  let selectedCode = null;

  // Highlight kinds in drawing priority: where spans overlap, the first kind colours the background.
  const PRIORITY = ["landmark", "guidance-neg", "guidance", "level", "med", "tolerance", "procedure"];
  const LABELS = {
    level: "level", med: "medication", guidance: "image guidance", "guidance-neg": "guidance not used",
    tolerance: "tolerance / complications", landmark: "landmarks only", procedure: "procedure",
    evidence: "evidence of the selected finding",
  };
  const SEVERITY_ORDER = {error: 0, warning: 1, info: 2};

  /** An element whose content, if any, is plain text. */
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function setStatus(state, text) {
    statusEl.dataset.state = state;
    statusEl.textContent = text;
  }

  function showInputError(message) {
    inputErrorEl.textContent = message || "";
    inputErrorEl.hidden = !message;
  }

  function headers() {
    const h = {"Content-Type": "application/json", "Accept": "application/json"};
    const key = keyEl.value.trim();
    if (key) h["X-API-Key"] = key;
    return h;
  }

  function billedList() {
    return billedEl.value.split(/[\s,;]+/).map((s) => s.trim()).filter(Boolean);
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(check, DEBOUNCE_MS);
  }

  async function check() {
    clearTimeout(timer);
    const text = noteEl.value;
    const mine = ++seq;
    if (controller) controller.abort();
    controller = null;
    if (!text.trim()) {
      current = null;
      renderEmpty();
      return;
    }
    controller = new AbortController();
    const body = {text: text, note_id: "draft", billed: billedList()};
    if (payerEl.value) body.payer = payerEl.value;
    setStatus("checking", "Checking…");
    findingsEl.dataset.state = "checking";
    const started = performance.now();
    let response, data;
    try {
      response = await fetch("/v1/check", {
        method: "POST", headers: headers(), body: JSON.stringify(body), signal: controller.signal,
        cache: "no-store", credentials: "same-origin", referrerPolicy: "no-referrer",
      });
      data = await response.json();
    } catch (err) {
      if (err && err.name === "AbortError") return;
      if (mine === seq) {
        setStatus("error", "The checker could not be reached.");
        findingsEl.dataset.state = "error";
      }
      return;
    }
    if (mine !== seq) return;  // a newer check has started: this answer is for old text
    controller = null;
    if (response.status === 401) {
      keyLabel.hidden = false;
      showInputError("This server needs an API key: enter it above.");
      setStatus("error", "API key required");
      findingsEl.dataset.state = "error";
      return;
    }
    if (!response.ok) {
      showInputError(data && typeof data.error === "string" ? data.error : "The check failed (" + response.status + ").");
      setStatus("error", "Not checked: fix the input");
      findingsEl.dataset.state = "error";
      return;
    }
    showInputError("");
    current = {text: text, report: data};
    render();
    setStatus("ok", "Checked in " + Math.round(performance.now() - started) + " ms");
    findingsEl.dataset.state = "done";
  }

  function renderEmpty() {
    viewEl.replaceChildren();
    findingsEl.replaceChildren();
    readErrorsEl.replaceChildren();
    codesEl.replaceChildren();
    summaryEl.textContent = "";
    summaryEl.className = "summary";
    showInputError("");
    setStatus("idle", "Paste or type a note.");
    findingsEl.dataset.state = "idle";
  }

  function render() {
    if (!current) return;
    renderView(current.text, current.report);
    renderFindings(current.report);
    renderCodes(current.report);
  }

  // --- the note with highlights ---------------------------------------------------------------------------

  /** Python offsets count code points; JS strings count UTF-16 units. */
  function unitIndex(text) {
    if (!/[\uD800-\uDFFF]/.test(text)) return (i) => i;
    const map = [0];
    let units = 0;
    for (const ch of text) { units += ch.length; map.push(units); }
    return (i) => map[Math.max(0, Math.min(i, map.length - 1))];
  }

  function spansOf(report) {
    const out = [];
    const add = (spans, kind) => (spans || []).forEach((s) => out.push([s[0], s[1], kind]));
    (report.levels || []).forEach((l) => add(l.spans, "level"));
    (report.medications || []).forEach((m) => add(m.spans, "med"));
    (report.guidance || []).forEach((g) => add(g.spans, g.negated ? "guidance-neg" : "guidance"));
    add(report.landmark_technique, "landmark");
    add(report.tolerance && report.tolerance.spans, "tolerance");
    add(report.procedure && report.procedure.spans, "procedure");
    if (selectedCode) {
      (report.findings || []).filter((f) => f.code === selectedCode).forEach((f) => add(f.spans, "evidence"));
    }
    return out;
  }

  function renderView(rawText, report) {
    // The server drops a leading byte-order mark before it counts offsets.
    const text = rawText.charCodeAt(0) === 0xFEFF ? rawText.slice(1) : rawText;
    const toUnit = unitIndex(text);
    const n = text.length;
    const marks = [];
    for (const [s, e, kind] of spansOf(report)) {
      const a = toUnit(s), b = Math.min(toUnit(e), n);
      if (b > a && a < n) marks.push([a, b, kind]);
    }
    const cuts = new Set([0, n]);
    marks.forEach(([a, b]) => { cuts.add(a); cuts.add(b); });
    const points = Array.from(cuts).sort((x, y) => x - y);
    const fragment = document.createDocumentFragment();
    for (let i = 0; i < points.length - 1; i++) {
      const a = points[i], b = points[i + 1];
      if (b <= a) continue;
      const piece = text.slice(a, b);
      const kinds = new Set(marks.filter(([s, e]) => s <= a && e >= b).map((m) => m[2]));
      if (!kinds.size) {
        fragment.appendChild(document.createTextNode(piece));
        continue;
      }
      const primary = PRIORITY.find((k) => kinds.has(k));
      let cls = "hl" + (primary ? " hl-" + primary : "");
      if (kinds.has("evidence")) cls += " hl-evidence";
      const mark = el("mark", cls, piece);
      mark.dataset.kinds = Array.from(kinds).join(" ");
      mark.title = Array.from(kinds).map((k) => LABELS[k] || k).join(", ");
      fragment.appendChild(mark);
    }
    viewEl.replaceChildren(fragment);
  }

  // --- findings and codes -----------------------------------------------------------------------------------

  function findingItem(f) {
    const li = el("li", "finding sev-" + f.severity);
    li.dataset.code = f.code;
    li.dataset.severity = f.severity;
    li.tabIndex = 0;
    if (f.code === selectedCode) li.classList.add("selected");
    const head = el("div", "finding-head");
    head.append(el("span", "badge", f.severity), el("span", "code", f.code), el("span", "rule", f.rule));
    li.append(head, el("p", "message", f.message));
    if (f.fix) {
      const fix = el("p", "fix");
      fix.append(el("strong", null, "Fix: "), document.createTextNode(f.fix));
      li.append(fix);
    }
    const toggle = () => select(f.code);
    li.addEventListener("click", toggle);
    li.addEventListener("keydown", (ev) => {
      if (ev.key === "Enter" || ev.key === " ") { ev.preventDefault(); toggle(); }
    });
    return li;
  }

  function renderFindings(report) {
    readErrorsEl.replaceChildren(...(report.errors || []).map((e) => el("li", null, "The note could not be checked: " + e)));
    const findings = (report.findings || []).slice().sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity]);
    const errors = findings.filter((f) => f.severity === "error").length;
    const warnings = findings.filter((f) => f.severity === "warning").length;
    const items = findings.map(findingItem);
    if (!(report.errors || []).length && errors === 0) {
      items.unshift(el("li", "clean-note", "No error findings: the documentation supports the procedure."));
    }
    findingsEl.replaceChildren(...items);
    if ((report.errors || []).length) {
      summaryEl.textContent = "not checked";
      summaryEl.className = "summary flagged";
    } else {
      summaryEl.textContent = errors + (errors === 1 ? " error" : " errors") + " · " + warnings + (warnings === 1 ? " warning" : " warnings");
      summaryEl.className = "summary " + (errors ? "flagged" : "clean");
    }
  }

  function renderCodes(report) {
    const codes = report.codes || [];
    if (!codes.length) {
      codesEl.replaceChildren(el("li", null, "none"));
      return;
    }
    codesEl.replaceChildren(...codes.map((c) => {
      const mods = (c.modifiers || []).length ? "-" + c.modifiers.join("-") : "";
      return el("li", null, c.cpt + mods + (c.units > 1 ? " ×" + c.units : ""));
    }));
  }

  function select(code) {
    selectedCode = selectedCode === code ? null : code;
    render();
    const first = viewEl.querySelector(".hl-evidence");
    if (first && typeof first.scrollIntoView === "function") first.scrollIntoView({block: "nearest"});
  }

  // --- payers -------------------------------------------------------------------------------------------------

  async function loadPayers() {
    let response, data;
    try {
      response = await fetch("/v1/payers", {headers: headers(), cache: "no-store"});
      data = await response.json();
    } catch (err) {
      setStatus("error", "The checker could not be reached.");
      return;
    }
    if (response.status === 401) {
      keyLabel.hidden = false;
      showInputError("This server needs an API key: enter it above.");
      return;
    }
    if (!response.ok) return;
    const chosen = payerEl.value || data.default;
    payerEl.replaceChildren(...data.available.map((id) => {
      const option = el("option", null, id);
      option.value = id;
      option.selected = id === chosen;
      return option;
    }));
  }

  $("controls").addEventListener("submit", (ev) => { ev.preventDefault(); check(); });
  noteEl.addEventListener("input", schedule);
  billedEl.addEventListener("input", schedule);
  payerEl.addEventListener("change", check);
  keyEl.addEventListener("change", () => { showInputError(""); loadPayers().then(check); });
  loadPayers().then(() => { if (noteEl.value.trim()) check(); });
})();
