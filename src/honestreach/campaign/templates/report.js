"use strict";
// The message list of the audit report. Every string from the audit (message texts, names,
// subjects) is untrusted: it only ever reaches the page as textContent or an attribute value.
//
// The list can hold tens of thousands of messages: they arrive as one compact JSON block
// (arrays, with the findings' strings in one shared table), only one page of rows is in the
// document at a time, and a message's findings and text are built when it is opened. In a long
// listing, the list itself is compressed (inflated once, on opening), and texts and findings
// come in compressed blocks (data-blocks), inflated when a message of the block is first opened.
(function () {
  const SEVERITIES = ["error", "warning", "info"];
  const RANK = { info: 0, warning: 1, error: 2 };
  const table = document.getElementById("message-table");
  const tbody = document.getElementById("message-rows");
  if (!table || !tbody) {
    return;
  }

  // zlib data in base64, inflated, read as JSON.
  function inflateJson(base64) {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    const stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream("deflate"));
    return new Response(stream).text().then(JSON.parse);
  }

  const stored = JSON.parse(document.getElementById("data-messages").textContent);
  if (typeof stored === "string") {
    inflateJson(stored).then(start);
  } else {
    start(stored);
  }

  function start(data) {
    const campaignTable = readJson("data-campaign");
    const categories = readJson("data-categories");
    const rules = readJson("data-rules");
    const strings = data.strings;
    const sourceLimit = Number(table.dataset.sourceLimit || 0);
    const controls = {
      text: document.getElementById("filter-text"),
      category: document.getElementById("filter-category"),
      severity: document.getElementById("filter-severity"),
      status: document.getElementById("filter-status"),
    };
    const countLine = document.getElementById("shown-count");
    const listing = document.getElementById("listing");
    const statement = listing.textContent;
    const bound = listing.dataset.bound || "";
    const noMatch = document.getElementById("no-match");
    const pager = document.getElementById("pager");
    const pageStatus = document.getElementById("page-status");
    const pageSize = document.getElementById("page-size");
    const sort = { key: "row", descending: false };
    const view = { shown: [], page: 0 };
    const opened = new Set();  // seq of the opened messages

    function readJson(id) {
      return JSON.parse(document.getElementById(id).textContent);
    }

    function number(n) {
      return n.toLocaleString("en-US");
    }

    // el("td", {className: "x", title: "..."}, child, "text", ...): attributes are set one by
    // one and strings become text nodes, so nothing is ever parsed as HTML.
    function el(tag, attrs, ...children) {
      const node = document.createElement(tag);
      for (const [name, value] of Object.entries(attrs || {})) {
        if (value === null || value === undefined || value === false) {
          continue;
        }
        if (name === "className") {
          node.className = value;
        } else if (name === "text") {
          node.textContent = String(value);
        } else {
          node.setAttribute(name, value === true ? "" : String(value));
        }
      }
      for (const child of children) {
        if (child !== null && child !== undefined && child !== false) {
          node.append(child instanceof Node ? child : String(child));
        }
      }
      return node;
    }

    // -- the compact data ------------------------------------------------------------------------
    const F = {};
    data.fields.forEach((name, index) => { F[name] = index; });
    const FF = {};
    data.finding_fields.forEach((name, index) => { FF[name] = index; });
    const messages = data.messages.map((values) => ({
      seq: values[F.seq], row: values[F.row], id: values[F.id], recipient: values[F.recipient],
      sender: text(values[F.sender]), subject: text(values[F.subject]), variant: text(values[F.variant]),
      sent_at: values[F.sent_at], checked: values[F.checked], respect: values[F.respect],
      relevance: values[F.relevance], finding_count: values[F.finding_count],
      errors: values[F.errors], source: values[F.source], trimmed: values[F.trimmed],
      raw: values[F.findings], campaignRefs: values[F.campaign], search: null, expanded: null,
      kinds: values[F.kinds], block: values[F.block],
    }));
    const byId = new Map(messages.map((message) => [message.id, message]));

    function text(index) {
      return index === null || index === undefined ? null : strings[index];
    }

    // A message's findings as objects, built the first time they are needed.
    function findingsOf(message) {
      if (!message.expanded) {
        message.expanded = message.raw.map((raw) => {
          const finding = {};
          for (const [name, index] of Object.entries(FF)) {
            finding[name] = typeof raw[index] === "number" && ["line", "column", "end_line", "end_column"].indexOf(name) < 0
              ? text(raw[index]) : raw[index];
          }
          return finding;
        });
      }
      return message.expanded;
    }

    // The findings the message's text shows (its kinds: category, severity, count, flat).
    function shownCount(message) {
      let count = 0;
      for (let i = 2; i < message.kinds.length; i += 3) {
        count += message.kinds[i];
      }
      return count;
    }

    // -- compressed blocks of texts and findings -------------------------------------------------
    let blockData = null;
    const inflated = new Map();  // block -> Promise of its [source, findings] items

    function inflate(block) {
      if (!inflated.has(block)) {
        blockData = blockData || readJson("data-blocks");
        inflated.set(block, inflateJson(blockData[block]));
      }
      return inflated.get(block);
    }

    // The message with its text and findings (from its block when they are packed).
    function unpacked(message) {
      if (!message.block) {
        return Promise.resolve(message);
      }
      const [block, position] = message.block;
      return inflate(block).then((items) => {
        [message.source, message.raw] = items[position];
        message.block = null;
        return message;
      });
    }

    function campaignOf(message) {
      return message.campaignRefs.map((index) => campaignTable[index]);
    }

    function ruleName(id) {
      const rule = rules[id];
      return rule ? rule[0] : null;
    }

    function band(score) {
      return score < 40 ? "low" : score < 70 ? "mid" : "high";
    }

    function scoreCell(score) {
      const cell = el("td", { className: "n" });
      if (score === null || score === undefined) {
        cell.append(el("span", { className: "muted", text: "–" }));
      } else {
        cell.append(el("span", { className: "score-pill band-" + band(score), text: score }));
      }
      return cell;
    }

    function findingsCell(message) {
      const cell = el("td", { className: "n" });
      if (!message.checked) {
        cell.append(el("span", { className: "failed-pill", title: "Could not be checked", text: "failed" }));
        return cell;
      }
      const counts = { error: 0, warning: 0, info: 0 };
      for (let i = 0; i < message.kinds.length; i += 3) {
        const severity = strings[message.kinds[i + 1]];
        counts[severity] = (counts[severity] || 0) + message.kinds[i + 2];
      }
      const hidden = message.finding_count - shownCount(message);
      const dots = el("span", { className: "dots" });
      for (const severity of SEVERITIES) {
        if (counts[severity]) {
          dots.append(el("span", {
            className: "dot sev-" + severity,
            title: counts[severity] + " " + severity + (counts[severity] === 1 ? "" : "s"),
            text: counts[severity],
          }));
        }
      }
      if (hidden > 0) {
        dots.append(el("span", { className: "dot", title: hidden + " past the text shown", text: "+" + hidden }));
      }
      if (!message.finding_count) {
        dots.append(el("span", { className: "muted", text: "0" }));
      }
      cell.append(dots);
      return cell;
    }

    function textCell(value, className) {
      const text = value === null || value === undefined ? "" : String(value);
      return el("td", { className: className || null, title: text || null }, text || "–");
    }

    // -- rows ----------------------------------------------------------------------------------
    function rowNode(message) {
      const detailId = "message-detail-" + message.seq;
      const isOpen = opened.has(message.seq);
      const button = el("button", {
        type: "button", className: "open-button", "aria-expanded": isOpen ? "true" : "false",
        "aria-controls": detailId, text: message.id,
      });
      const row = el("tr", { className: "message" + (message.checked ? "" : " failed") + (isOpen ? " open" : ""), "data-id": message.id },
        el("td", { className: "n muted hide-narrow", text: message.row === null ? "" : message.row }),
        el("td", { className: "c-id", title: message.id }, button),
        textCell(message.recipient, "c-recipient"),
        textCell(message.sender, "c-sender hide-narrow"),
        textCell(message.subject, "c-subject hide-narrow"),
        scoreCell(message.respect),
        scoreCell(message.relevance),
        findingsCell(message));
      row.addEventListener("click", () => toggle(message));
      button.addEventListener("click", (event) => {
        event.stopPropagation();
        toggle(message);
      });
      return row;
    }

    // -- the category filter offers what the listed messages have ------------------------------
    const perCategory = new Map();
    for (const message of messages) {
      const seen = new Set();
      for (let i = 0; i < message.kinds.length; i += 3) {
        seen.add(strings[message.kinds[i]]);
      }
      for (const finding of campaignOf(message)) {
        seen.add(finding.category);
      }
      for (const name of seen) {
        perCategory.set(name, (perCategory.get(name) || 0) + 1);
      }
    }
    for (const name of [...perCategory.keys()].sort()) {
      const count = perCategory.get(name);
      controls.category.append(el("option", {
        value: name, title: categories[name] || null,
        text: name + " (" + number(count) + (count === 1 ? " message)" : " messages)"),
      }));
    }

    // -- filtering, sorting, paging ------------------------------------------------------------
    function searchText(message) {
      if (message.search === null) {
        message.search = [message.id, message.recipient, message.sender, message.subject]
          .filter((value) => value !== null && value !== undefined)
          .join("\n").toLowerCase();
      }
      return message.search;
    }

    function hasFindings(message) {
      return message.finding_count > 0 || message.kinds.length > 0 || message.campaignRefs.length > 0;
    }

    function matcher() {
      const query = controls.text.value.trim().toLowerCase();
      const status = controls.status.value;
      const category = controls.category.value;
      const severity = controls.severity.value;
      const categoryIndex = category ? strings.indexOf(category) : -1;
      const severityIndex = severity ? strings.indexOf(severity) : -1;
      return (message) => {
        if (query && !searchText(message).includes(query)) {
          return false;
        }
        if (status === "failed" && message.checked) {
          return false;
        }
        if (status === "findings" && !hasFindings(message)) {
          return false;
        }
        if (status === "clean" && (!message.checked || hasFindings(message))) {
          return false;
        }
        if (category || severity) {
          let inMessage = false;
          for (let i = 0; i < message.kinds.length && !inMessage; i += 3) {
            inMessage = (!category || message.kinds[i] === categoryIndex) &&
              (!severity || message.kinds[i + 1] === severityIndex);
          }
          return inMessage || campaignOf(message).some((finding) =>
            (!category || finding.category === category) && (!severity || finding.severity === severity));
        }
        return true;
      };
    }

    function filtered() {
      return Boolean(controls.text.value.trim() || controls.status.value || controls.category.value || controls.severity.value);
    }

    const sortKeys = {
      row: (m) => m.row,
      id: (m) => m.id,
      recipient: (m) => (m.recipient || "").toLowerCase() || null,
      sender: (m) => (m.sender || "").toLowerCase() || null,
      respect: (m) => m.respect,
      relevance: (m) => m.relevance,
      findings: (m) => (m.checked ? m.finding_count + m.campaignRefs.length : null),
    };
    const collator = new Intl.Collator("en", { numeric: true, sensitivity: "base" });

    function compare(a, b) {
      const key = sortKeys[sort.key];
      const x = key(a);
      const y = key(b);
      // Missing values (rows that failed have no scores) go last whichever the direction.
      if (x === null || x === undefined || y === null || y === undefined) {
        const missing = (x === null || x === undefined) - (y === null || y === undefined);
        return missing || a.seq - b.seq;
      }
      const order = typeof x === "number" && typeof y === "number" ? x - y : collator.compare(String(x), String(y));
      return (sort.descending ? -order : order) || a.seq - b.seq;
    }

    let ordered = messages;  // the listed messages in the current sort order

    function applySort() {
      ordered = sort.key === "row" && !sort.descending ? messages : messages.slice().sort(compare);
      for (const header of table.querySelectorAll("th[data-sort]")) {
        header.setAttribute("aria-sort", header.dataset.sort !== sort.key ? "none"
          : sort.descending ? "descending" : "ascending");
      }
      applyFilters(view.page);
    }

    function applyFilters(page) {
      const matches = matcher();
      view.shown = filtered() ? ordered.filter(matches) : ordered;
      const shown = view.shown.length;
      const total = messages.length;
      countLine.textContent = number(shown) + " of " + number(total) + " messages shown";
      // The banner says what this view shows: the report's statement when nothing is
      // filtered, else how many of the listed messages match, and what the list leaves out.
      listing.textContent = !filtered() ? statement
        : "Showing " + number(shown) + " of " + number(total) + " listed messages (filtered)" +
          (bound ? "; " + bound + "." : ".");
      noMatch.hidden = shown > 0;
      renderPage(page || 0);
    }

    function pageCount() {
      return Math.max(1, Math.ceil(view.shown.length / Number(pageSize.value)));
    }

    function renderPage(page) {
      const size = Number(pageSize.value);
      view.page = Math.min(Math.max(page, 0), pageCount() - 1);
      const rows = document.createDocumentFragment();
      for (const message of view.shown.slice(view.page * size, (view.page + 1) * size)) {
        const row = rowNode(message);
        rows.append(row);
        if (opened.has(message.seq)) {
          rows.append(detailRow(message));
        }
      }
      tbody.replaceChildren(rows);
      const first = view.shown.length ? view.page * size + 1 : 0;
      const last = Math.min((view.page + 1) * size, view.shown.length);
      pageStatus.textContent = "Page " + number(view.page + 1) + " of " + number(pageCount()) +
        " (rows " + number(first) + "–" + number(last) + ")";
      for (const button of pager.querySelectorAll("button[data-page]")) {
        const back = button.dataset.page === "first" || button.dataset.page === "prev";
        button.disabled = back ? view.page === 0 : view.page >= pageCount() - 1;
      }
    }

    for (const header of table.querySelectorAll("th[data-sort]")) {
      header.querySelector("button").addEventListener("click", () => {
        if (sort.key === header.dataset.sort) {
          sort.descending = !sort.descending;
        } else {
          sort.key = header.dataset.sort;
          sort.descending = false;
        }
        applySort();
      });
    }
    controls.text.addEventListener("input", () => applyFilters(0));
    for (const name of ["category", "severity", "status"]) {
      controls[name].addEventListener("change", () => applyFilters(0));
    }
    pageSize.addEventListener("change", () => renderPage(0));
    for (const button of pager.querySelectorAll("button[data-page]")) {
      button.addEventListener("click", () => {
        const to = { first: 0, prev: view.page - 1, next: view.page + 1, last: pageCount() - 1 };
        renderPage(to[button.dataset.page]);
        table.scrollIntoView({ block: "start" });
      });
    }

    // -- an opened message ---------------------------------------------------------------------
    function detailRow(message) {
      const cell = el("td", { colspan: table.tHead.rows[0].cells.length });
      if (message.block) {
        // Packed: the row shows at once, its content once the block is inflated.
        cell.append(el("p", { className: "note", text: "Reading the message…" }));
        unpacked(message).then(() => cell.replaceChildren(detailContent(message)),
          (error) => cell.replaceChildren(el("p", { className: "error-box", role: "note",
            text: "This message's text could not be read: " + error })));
      } else {
        cell.append(detailContent(message));
      }
      return el("tr", { className: "detail", id: "message-detail-" + message.seq }, cell);
    }

    function toggle(message) {
      const row = tbody.querySelector('tr.message[data-id="' + CSS.escape(message.id) + '"]');
      const button = row && row.querySelector(".open-button");
      if (opened.has(message.seq)) {
        opened.delete(message.seq);
        const detail = document.getElementById("message-detail-" + message.seq);
        if (detail) {
          detail.remove();
        }
        if (row) {
          row.classList.remove("open");
          button.setAttribute("aria-expanded", "false");
        }
        return;
      }
      opened.add(message.seq);
      if (row) {
        row.after(detailRow(message));
        row.classList.add("open");
        button.setAttribute("aria-expanded", "true");
      }
    }

    function detailContent(message) {
      const meta = el("dl", { className: "detail-meta" });
      const fields = [["Recipient", message.recipient], ["Sender", message.sender],
        ["Subject", message.subject], ["Variant", message.variant], ["Sent", message.sent_at],
        ["Row", message.row]];
      for (const [label, value] of fields) {
        if (value !== null && value !== undefined && value !== "") {
          meta.append(el("dt", { text: label }), el("dd", { text: value }));
        }
      }
      const left = el("div", {}, meta);
      for (const error of message.errors) {
        left.append(el("p", { className: "error-box", role: "note" },
          el("strong", { text: message.checked ? "Error: " : "Could not be checked: " }), error));
      }
      let marks = [];
      if (message.source !== null && message.source !== undefined) {
        const highlighted = highlight(message.source, findingsOf(message));
        marks = highlighted.marks;
        left.append(highlighted.node);
        if (message.trimmed) {
          left.append(el("p", { className: "trim-note",
            text: "The text is cut at " + number(sourceLimit) + " characters." }));
        }
      }
      const right = el("div", {});
      const items = [];
      if (message.checked) {
        right.append(el("h3", { text: message.finding_count === 1 ? "1 finding" : number(message.finding_count) + " findings" }));
        const list = el("ol", { className: "finding-list" });
        findingsOf(message).forEach((finding, index) => {
          const item = findingItem(finding);
          item.addEventListener("mouseenter", () => activate(marks, items, index, true));
          item.addEventListener("mouseleave", () => activate(marks, items, index, false));
          items.push(item);
          list.append(item);
        });
        right.append(list);
        const hidden = message.finding_count - shownCount(message);
        if (hidden > 0) {
          right.append(el("p", { className: "note",
            text: number(hidden) + (hidden === 1 ? " finding lies" : " findings lie") +
              " past the text shown; the audit's --output file has every finding." }));
        }
        if (!message.finding_count) {
          right.append(el("p", { className: "empty-note", text: "No findings in this message." }));
        }
      }
      const campaign = campaignOf(message);
      if (campaign.length) {
        right.append(el("h3", { text: "Campaign findings" }));
        const list = el("ul", { className: "finding-list" });
        for (const finding of campaign) {
          list.append(findingItem(finding, "campaign-level"));
        }
        right.append(list);
      }
      for (const mark of marks) {
        mark.addEventListener("click", () => {
          const indices = mark.dataset.findings.split(" ").map(Number);
          for (const [index, item] of items.entries()) {
            item.classList.toggle("active", indices.includes(index));
          }
          items[indices[0]].scrollIntoView({ block: "nearest" });
        });
      }
      return el("div", { className: "detail-grid" }, left, right);
    }

    function activate(marks, items, index, on) {
      items[index].classList.toggle("active", on);
      for (const mark of marks) {
        if (mark.dataset.findings.split(" ").includes(String(index))) {
          mark.classList.toggle("active", on);
        }
      }
    }

    function findingItem(finding, extra) {
      const head = el("div", { className: "finding-head" },
        el("span", { className: "sev sev-" + finding.severity, text: finding.severity }),
        ruleName(finding.rule) ? el("span", { className: "rule-name", text: ruleName(finding.rule) }) : null,
        el("code", { text: finding.rule }),
        el("span", { className: "muted", text: finding.category }));
      if (finding.line) {
        head.append(el("span", { className: "where",
          text: (finding.field ? finding.field + ", " : "") + "line " + finding.line + ", column " + finding.column }));
      }
      const item = el("li", { className: "finding sev-" + finding.severity + (extra ? " " + extra : "") },
        head, el("p", { className: "finding-message", text: finding.message }));
      if (finding.text) {
        const quote = finding.text.length > 240 ? finding.text.slice(0, 240) + "…" : finding.text;
        item.append(el("p", { className: "quote", text: "“" + quote + "”" }));
      }
      if (finding.suggestion) {
        item.append(el("p", { className: "suggestion", text: finding.suggestion }));
      }
      return item;
    }

    // -- highlights ----------------------------------------------------------------------------
    // Findings give 1-based lines and columns counted in characters (code points); JavaScript
    // strings index UTF-16 units, so columns are walked a code point at a time.
    function lineStarts(text) {
      const starts = [0];
      for (let at = text.indexOf("\n"); at !== -1; at = text.indexOf("\n", at + 1)) {
        starts.push(at + 1);
      }
      return starts;
    }

    function toIndex(text, starts, line, column) {
      if (!line || line > starts.length) {
        return text.length;
      }
      let index = starts[Math.max(line, 1) - 1];
      for (let step = 1; step < column && index < text.length; step++) {
        const code = text.charCodeAt(index);
        index += code >= 0xd800 && code <= 0xdbff && index + 1 < text.length ? 2 : 1;
      }
      return Math.min(index, text.length);
    }

    // Overlapping spans: the text is cut at every start and end, and each piece is marked with
    // the findings that cover it (coloured by the most severe of them).
    function highlight(text, findings) {
      const starts = lineStarts(text);
      const spans = [];
      findings.forEach((finding, index) => {
        const start = toIndex(text, starts, finding.line, finding.column);
        const end = toIndex(text, starts, finding.end_line, finding.end_column);
        if (end > start) {
          spans.push({ index, start, end, finding });
        }
      });
      const cuts = new Set([0, text.length]);
      for (const span of spans) {
        cuts.add(span.start);
        cuts.add(span.end);
      }
      const points = [...cuts].sort((a, b) => a - b);
      const node = el("pre", { className: "source", tabindex: "0", "aria-label": "Message text" });
      const marks = [];
      for (let k = 0; k + 1 < points.length; k++) {
        const from = points[k];
        const to = points[k + 1];
        const piece = text.slice(from, to);
        const covering = spans.filter((span) => span.start <= from && span.end >= to);
        if (!covering.length) {
          node.append(piece);
          continue;
        }
        const worst = covering.reduce((a, b) => (RANK[b.finding.severity] > RANK[a.finding.severity] ? b : a));
        const mark = el("mark", {
          className: "sev-" + worst.finding.severity + (covering.length > 1 ? " overlap" : ""),
          title: covering.map((span) => span.finding.severity + ": " + span.finding.message).join("\n"),
          "data-findings": covering.map((span) => span.index).join(" "),
        }, piece);
        marks.push(mark);
        node.append(mark);
      }
      return { node, marks };
    }

    // -- campaign findings' message ids open the message ----------------------------------------
    for (const chip of document.querySelectorAll("button[data-open]")) {
      chip.addEventListener("click", () => {
        const message = byId.get(chip.dataset.open);
        if (!message) {
          return;
        }
        let at = view.shown.indexOf(message);
        if (at < 0) {
          controls.text.value = "";
          controls.category.value = "";
          controls.severity.value = "";
          controls.status.value = "";
          applyFilters(0);
          at = view.shown.indexOf(message);
        }
        opened.add(message.seq);
        renderPage(Math.floor(at / Number(pageSize.value)));
        const row = tbody.querySelector('tr.message[data-id="' + CSS.escape(message.id) + '"]');
        if (row) {
          row.scrollIntoView({ block: "start", behavior: "smooth" });
          row.querySelector(".open-button").focus({ preventScroll: true });
        }
      });
    }

    // -- columns that use the width -------------------------------------------------------------
    // Id, recipient, sender and subject share what the fixed columns leave, each in proportion to
    // its longest text (capped), so nothing is cut while the window has room for it. Narrow
    // windows fall back to the stylesheet (fewer columns, cut with an ellipsis).
    const textColumns = { id: 28, recipient: 48, sender: 40, subject: 90 };
    const longest = {};
    for (const name of Object.keys(textColumns)) {
      longest[name] = 4;
    }
    for (const message of messages) {
      for (const [name, cap] of Object.entries(textColumns)) {
        const value = message[name];
        if (value) {
          longest[name] = Math.min(Math.max(longest[name], String(value).length), cap);
        }
      }
    }

    function sizeColumns() {
      const cols = {};
      for (const name of Object.keys(textColumns)) {
        cols[name] = table.querySelector("col.c-" + name);
        cols[name].style.width = "";
      }
      if (window.innerWidth <= 860) {
        return;
      }
      let fixed = 0;
      for (const col of table.querySelectorAll("col.c-row, col.c-score, col.c-findings")) {
        fixed += parseFloat(getComputedStyle(col).width) || 0;
      }
      // Each column's need in pixels (ids are set in a monospace font, the rest in the body
      // font). With room to spare the subject takes the rest; without it the subject gives way
      // first (down to a minimum), then every column shrinks by the same proportion.
      const room = table.clientWidth - fixed - 4;
      const need = {};
      for (const name of Object.keys(textColumns)) {
        need[name] = longest[name] * (name === "id" ? 10.5 : 8.5) + 28;
      }
      const others = need.id + need.recipient + need.sender;
      need.subject = Math.max(room - others, Math.min(need.subject, 180));
      const scale = Math.min(1, room / (others + need.subject));
      for (const name of Object.keys(textColumns)) {
        cols[name].style.width = Math.floor(need[name] * scale) + "px";
      }
    }
    let resizing = 0;
    window.addEventListener("resize", () => {
      cancelAnimationFrame(resizing);
      resizing = requestAnimationFrame(sizeColumns);
    });

    sizeColumns();
    applyFilters(0);
    performance.mark("honestreach:list-rendered");
  }
})();
