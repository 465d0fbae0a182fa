// The honestreach page: checks the draft as it is typed (debounced) through the local API and
// marks each finding in the text. Findings point at lines and columns (counted in characters,
// as Python counts them) of the draft laid out as a file; `layout` says where each field starts.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const CHECK_DELAY = 300;
  const SEARCH_DELAY = 200;
  const hasCrm = document.body.dataset.crm === "yes";
  const state = { recipient: null, token: null, controller: null, timer: 0, searchTimer: 0,
                  report: null };

  // A token may come in the address's fragment (#token=...), which never reaches a server log.
  const fragment = new URLSearchParams(location.hash.slice(1));
  state.token = fragment.get("token") || sessionStorage.getItem("honestreach-token");
  if (fragment.has("token")) {
    sessionStorage.setItem("honestreach-token", state.token);
    history.replaceState(null, "", location.pathname);
  }

  function api(path, options = {}) {
    const headers = Object.assign({}, options.headers);
    if (state.token) headers.Authorization = "Bearer " + state.token;
    return fetch(path, Object.assign({}, options, { headers })).then((response) => {
      if (response.status === 401) $("token-box").hidden = false;
      return response;
    });
  }

  function status(text) { $("status").textContent = text; }

  function element(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === "class") node.className = value;
      else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value);
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  // -- checking ---------------------------------------------------------------------------
  function schedule() {
    clearTimeout(state.timer);
    state.timer = setTimeout(check, CHECK_DELAY);
  }

  function request() {
    const draft = { body: $("body").value, subject: $("subject").value, show_verified: true };
    if (state.recipient) draft.recipient = state.recipient.email;
    else if ($("to").value.trim()) draft.to = $("to").value.trim();
    if ($("date").value) draft.date = $("date").value;
    return draft;
  }

  async function check() {
    clearTimeout(state.timer);
    const draft = request();
    if (!draft.body.trim() && !draft.subject.trim()) {
      render(null, draft);
      return;
    }
    if (state.controller) state.controller.abort();
    const controller = (state.controller = new AbortController());
    status("Checking…");
    let response;
    let data;
    try {
      response = await api("/v1/check", {
        method: "POST", body: JSON.stringify(draft), signal: controller.signal,
        headers: { "Content-Type": "application/json" },
      });
      data = await response.json();
    } catch (error) {
      if (error.name !== "AbortError") status("The honestreach server cannot be reached.");
      return;
    }
    if (controller !== state.controller) return;
    state.controller = null;
    if (!response.ok) {
      status(data.error ? data.error.message : `Error ${response.status}`);
      return;
    }
    // The text may have changed while the check ran: its marks would land in the wrong place.
    if (draft.body !== $("body").value || draft.subject !== $("subject").value) return;
    state.report = data;
    render(data, draft);
    const file = data.files[0];
    status(`Checked: ${file.findings.length} finding${file.findings.length === 1 ? "" : "s"}.`);
  }

  // -- where findings are in the fields ---------------------------------------------------
  // `count` characters (code points) of `text` from `start`, in UTF-16 units.
  function units(text, start, count) {
    let index = start;
    for (let n = 0; n < count && index < text.length; n++) {
      const code = text.charCodeAt(index);
      index += code >= 0xd800 && code <= 0xdbff ? 2 : 1;
    }
    return index - start;
  }

  function lineStarts(text) {
    const starts = [0];
    for (let i = text.indexOf("\n"); i !== -1; i = text.indexOf("\n", i + 1)) starts.push(i + 1);
    return starts;
  }

  // [start, end) of an item (finding or claim) in the subject or body text, or null.
  function range(item, layout, draft, starts) {
    if (!layout) return null;
    if (item.field === "subject") {
      if (layout.subject_column === null || item.line !== 1) return null;
      const start = units(draft.subject, 0, item.column - layout.subject_column);
      const end = item.end_line === 1
        ? start + units(draft.subject, start, item.end_column - item.column)
        : draft.subject.length;
      return { field: "subject", start, end: Math.max(end, start + 1) };
    }
    const line = item.line - layout.body_line;
    if (line < 0 || line >= starts.length) return null;
    const lineStart = starts[line];
    const start = lineStart + units(draft.body, lineStart, item.column - 1);
    const endLine = item.end_line - layout.body_line;
    let end;
    if (endLine >= 0 && endLine < starts.length) {
      end = starts[endLine] + units(draft.body, starts[endLine], item.end_column - 1);
    } else {
      end = draft.body.length;
    }
    return { field: "body", start, end: Math.max(end, start + 1) };
  }

  const RANK = { info: 1, warning: 2, error: 3 };

  function paint(backdrop, text, marks) {
    // One class per character: the most severe finding there wins.
    const classes = new Array(text.length).fill("");
    const rank = new Array(text.length).fill(0);
    for (const mark of marks) {
      for (let i = mark.start; i < Math.min(mark.end, text.length); i++) {
        if (mark.rank > rank[i]) { rank[i] = mark.rank; classes[i] = mark.cls; }
      }
    }
    backdrop.textContent = "";
    let i = 0;
    while (i < text.length) {
      let j = i + 1;
      while (j < text.length && classes[j] === classes[i]) j++;
      const piece = text.slice(i, j);
      backdrop.append(classes[i] ? element("mark", { class: classes[i] }, piece) : piece);
      i = j;
    }
    backdrop.append(" ");  // a final newline still takes a line, as in the field
  }

  // -- rendering ------------------------------------------------------------------------
  function render(report, draft) {
    const file = report ? report.files[0] : null;
    const layout = report ? report.layout : null;
    const starts = lineStarts(draft.body);
    const supported = new Set((report ? report.claims : [])
      .filter((c) => c.outcome === "supported").map((c) => `${c.rule}:${c.line}:${c.column}`));
    const marks = { subject: [], body: [] };
    const findings = file ? file.findings : [];
    for (const finding of findings) {
      const where = range(finding, layout, draft, starts);
      const verified = supported.has(`${finding.rule}:${finding.line}:${finding.column}`);
      finding.verified = verified;
      finding.range = where;
      if (where) {
        marks[where.field].push({ start: where.start, end: where.end,
          rank: verified ? 0.5 : RANK[finding.severity],
          cls: verified ? "verified" : `sev-${finding.severity}` });
      }
    }
    paint($("subject-backdrop"), draft.subject, marks.subject);
    paint($("body-backdrop"), draft.body, marks.body);
    renderScores(file);
    renderFindings(findings);
    renderClaims(report ? report.claims : []);
    renderFixes(report ? report.fixes : []);
  }

  function renderScores(file) {
    for (const name of ["respect", "relevance"]) {
      const box = $(name);
      const scores = file ? file.scores : null;
      box.querySelector(".value").textContent = scores ? scores[name] : "–";
      box.querySelector("meter").value = scores ? scores[name] : 0;
      const reasons = box.querySelector(".reasons");
      reasons.textContent = "";
      for (const reason of scores ? scores[`${name}_reasons`] : []) {
        reasons.append(element("li", {}, reason));
      }
    }
  }

  function renderFindings(findings) {
    const list = $("findings");
    list.textContent = "";
    $("finding-count").textContent = findings.length ? `(${findings.length})` : "";
    if (!findings.length) list.append(element("li", { class: "none" }, "Nothing to report."));
    for (const finding of findings) {
      const badge = finding.verified ? "verified" : finding.severity;
      const explain = element("div", { class: "explain", hidden: "" });
      const item = element("li", { class: finding.verified ? "verified" : `sev-${finding.severity}`,
                                    "data-rule": finding.rule },
        element("span", { class: `badge ${badge}` }, badge),
        element("span", { class: "rule" }, `${finding.rule} · ${finding.category}`),
        element("p", { class: "message" }, finding.message),
        finding.suggestion && !finding.verified
          ? element("p", { class: "suggestion" }, "Instead: " + finding.suggestion) : null,
        element("button", { type: "button", class: "explain-button",
                            onclick: (event) => { event.stopPropagation();
                                                  toggleExplain(finding.rule, explain); } },
                "Explain"),
        explain);
      item.addEventListener("click", () => select(finding.range));
      list.append(item);
    }
  }

  function select(where) {
    if (!where) return;
    const field = $(where.field);
    field.focus();
    field.setSelectionRange(where.start, where.end);
  }

  async function toggleExplain(ruleId, box) {
    if (!box.hidden) { box.hidden = true; return; }
    if (!box.childElementCount) {
      const response = await api(`/v1/rules/${encodeURIComponent(ruleId)}`);
      const rule = await response.json();
      if (!response.ok) { box.append(rule.error.message); box.hidden = false; return; }
      const examples = (items) => element("ul", {}, ...items.slice(0, 3).map((e) => element("li", {}, e)));
      box.append(element("strong", {}, rule.name),
        element("h3", {}, "Why it matters"), element("p", {}, rule.rationale),
        element("h3", {}, "What to write instead"), element("p", {}, rule.suggestion),
        rule.examples.bad.length ? element("h3", {}, "Reported, for example") : null,
        rule.examples.bad.length ? examples(rule.examples.bad) : null,
        rule.examples.good.length ? element("h3", {}, "Not reported") : null,
        rule.examples.good.length ? examples(rule.examples.good) : null);
    }
    box.hidden = false;
  }

  const OUTCOME = { supported: "verified", contradicted: "contradicted",
                    unverifiable: "unverifiable", unchecked: "unchecked" };

  function renderClaims(claims) {
    const list = $("claims");
    list.textContent = "";
    $("claims-section").hidden = !claims.length;
    for (const claim of claims) {
      list.append(element("li", { class: claim.outcome, "data-outcome": claim.outcome },
        element("span", { class: `badge ${claim.outcome}` }, OUTCOME[claim.outcome]),
        element("q", {}, claim.text),
        element("p", { class: "message" }, claim.reason)));
    }
  }

  function renderFixes(fixes) {
    const list = $("fixes");
    list.textContent = "";
    const offered = fixes.filter((fix) => fix.draft);
    $("fixes-section").hidden = !offered.length;
    for (const fix of offered) {
      list.append(element("li", { "data-fix": fix.id },
        element("span", {}, fix.title),
        element("button", { type: "button", class: "apply", onclick: () => apply(fix) },
                "Apply")));
    }
  }

  function apply(fix) {
    if (fix.draft.subject !== null) $("subject").value = fix.draft.subject;
    $("body").value = fix.draft.body;
    grow();
    check();
  }

  // -- the fields -------------------------------------------------------------------------
  function grow() {
    const body = $("body");
    body.style.height = "auto";
    body.style.height = body.scrollHeight + "px";
  }

  $("body").addEventListener("input", () => { grow(); schedule(); });
  $("subject").addEventListener("input", schedule);
  $("subject").addEventListener("scroll", () => {
    $("subject-backdrop").scrollLeft = $("subject").scrollLeft;
  });
  $("date").addEventListener("change", schedule);

  // -- the recipient, picked from the CRM -------------------------------------------------
  function pick(contact) {
    state.recipient = contact;
    $("to").value = contact.email;
    $("picked-name").textContent = contact.name + (contact.company ? `, ${contact.company}` : "");
    $("picked").hidden = false;
    $("contacts").hidden = true;
    check();
  }

  $("unpick").addEventListener("click", () => {
    state.recipient = null;
    $("picked").hidden = true;
    schedule();
  });

  async function search() {
    const query = $("to").value.trim();
    const list = $("contacts");
    if (query.length < 2) { list.hidden = true; return; }
    const response = await api(`/v1/contacts?q=${encodeURIComponent(query)}`);
    if (!response.ok) return;
    const contacts = await response.json();
    list.textContent = "";
    for (const contact of contacts) {
      list.append(element("li", { role: "option" }, element("button", {
        type: "button", "data-email": contact.email, onclick: () => pick(contact) },
        contact.name || contact.email, " ",
        element("span", { class: "company" },
                `${contact.company ? contact.company + " · " : ""}${contact.email}`))));
    }
    list.hidden = !contacts.length;
  }

  $("to").addEventListener("input", () => {
    if (state.recipient) { state.recipient = null; $("picked").hidden = true; }
    if (hasCrm) {
      clearTimeout(state.searchTimer);
      state.searchTimer = setTimeout(search, SEARCH_DELAY);
    }
    schedule();
  });

  $("token-box").addEventListener("submit", (event) => {
    event.preventDefault();
    state.token = $("token").value;
    sessionStorage.setItem("honestreach-token", state.token);
    $("token-box").hidden = true;
    check();
  });

  grow();
  if ($("body").value || $("subject").value) check();
})();
