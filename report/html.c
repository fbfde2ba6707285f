/*
 * html.c: the HTML report, one self-contained file for engineers and
 * auditors, readable from a USB stick with no network.
 *
 * The page is a fixed skeleton, a stylesheet, the scan as compact JSON in
 * a <script type="application/json"> element, and a small script that
 * draws everything from that JSON with textContent, so no finding text is
 * ever parsed as markup. Every '<' in the JSON is written as \u003c: no
 * message can close the script element. A Content-Security-Policy forbids
 * every request the page could make.
 *
 * Large scans: findings refer to rule and resource tables by index, and
 * passing findings are kept per rule as lists of resource indexes (no
 * message or evidence), so 100,000 findings stay a few MB; the script
 * renders 200 rows at a time.
 *
 * Data layout (the script's contract with this file):
 *   rules: [[id, title, pillar, severity, frameworks, remediation,
 *            references, rule_version], ...]
 *   res:   [[kind, name, namespace, source, uid], ...]
 *   f:     [[rule, res, status, message, evidence|0, fingerprint hex], ...]
 *          every finding that is not a pass; status indexes
 *          pass fail error manual skip waived
 *   p:     [[rule, [res, ...]], ...] passing findings per rule
 */
#include "reporter.h"

#include <errno.h>
#include <string.h>

#include "jsonw.h"
#include "util.h"
#include "banned.h"

#define HTML_TREND_SCANS 10

static const char *const html_statuses[] = {"pass",   "fail", "error",
                                            "manual", "skip", "waived"};

/* clang-format off */

static const char html_css[] =
    ":root { --fg: #1a1a1a; --muted: #4a4a4a; --line: #c8c8c8; --bg2: #f4f5f7; --focus: #0b57d0; }\n"
    "* { box-sizing: border-box; }\n"
    "body { font: 14px/1.45 system-ui, -apple-system, \"Segoe UI\", Roboto, sans-serif; color: var(--fg); background: #fff; margin: 0 auto; padding: 16px 24px; max-width: 1400px; }\n"
    "h1 { font-size: 22px; margin: 0 0 8px; }\n"
    "h2 { font-size: 17px; margin: 24px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }\n"
    "small { display: block; color: var(--muted); font-size: 12px; }\n"
    ".meta { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 0 0 8px; font-size: 13px; }\n"
    ".meta dt { font-weight: 600; } .meta dd { margin: 0; word-break: break-all; }\n"
    ".big { font-size: 16px; } .big strong { font-size: 28px; }\n"
    ".bar { display: flex; height: 26px; border: 1px solid var(--line); border-radius: 4px; overflow: hidden; font-size: 12px; }\n"
    ".bar .seg { min-width: 4px; padding: 4px 6px; white-space: nowrap; overflow: hidden; font-weight: 600; }\n"
    ".grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(520px, 1fr)); gap: 0 32px; }\n"
    "table { border-collapse: collapse; width: 100%; margin: 6px 0 12px; }\n"
    "caption { text-align: left; font-weight: 600; padding: 4px 0; }\n"
    "th, td { border-bottom: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }\n"
    "thead th { background: var(--bg2); font-size: 12px; }\n"
    "td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }\n"
    ".counts td.num { width: 5.5em; }\n"
    "tr.section > * { background: var(--bg2); font-weight: 600; }\n"
    ".rules { display: block; font-weight: normal; color: var(--muted); font-size: 12px; }\n"
    ".ctitle { display: block; font-weight: normal; }\n"
    ".fwtitle { font-weight: normal; }\n"
    ".badge, .sev { display: inline-block; padding: 1px 6px; border-radius: 3px; font-size: 11px; font-weight: 700; letter-spacing: .03em; border: 1px solid currentColor; }\n"
    ".st-pass { color: #14532d; background: #dcfce7; } .st-fail { color: #8b0000; background: #fde2e2; }\n"
    ".st-error { color: #5b1a86; background: #f1e4fb; } .st-manual { color: #6b4200; background: #fff1cc; }\n"
    ".st-skip { color: #37474f; background: #eceff1; } .st-waived { color: #0d3c8c; background: #e0ecff; }\n"
    ".has-fail { color: #8b0000; font-weight: 700; } .has-error { color: #5b1a86; font-weight: 700; }\n"
    ".sev-critical { color: #fff; background: #7f0000; } .sev-high { color: #8b0000; background: #fde2e2; }\n"
    ".sev-medium { color: #6b4200; background: #fff1cc; } .sev-low { color: #0d3c8c; background: #e0ecff; } .sev-info { color: #37474f; background: #eceff1; }\n"
    "th.sev-critical, th.sev-high, th.sev-medium, th.sev-low, th.sev-info { border: 0; border-bottom: 1px solid var(--line); }\n"
    "svg { max-width: 100%; height: auto; }\n"
    "svg .axis { stroke: #777; } svg .lbl { font-size: 12px; text-anchor: middle; fill: #1a1a1a; } svg .small { font-size: 10px; }\n"
    "rect.st-pass { fill: #2e7d32; } rect.st-fail { fill: #c62828; } rect.st-error { fill: #7b1fa2; }\n"
    "rect.st-manual { fill: #ef9f00; } rect.st-skip { fill: #90a4ae; } rect.st-waived { fill: #1e63c8; }\n"
    "details.fw { border: 1px solid var(--line); border-radius: 4px; padding: 4px 10px; margin: 6px 0; }\n"
    "details.fw summary { cursor: pointer; padding: 4px 0; }\n"
    ".tag { margin-left: 8px; font-size: 12px; color: var(--muted); }\n"
    "#filters { display: flex; flex-wrap: wrap; gap: 8px 16px; align-items: center; background: var(--bg2); padding: 8px; border-radius: 4px; position: sticky; top: 0; z-index: 1; }\n"
    "select, input, button { font: inherit; }\n"
    "button { cursor: pointer; border: 1px solid #6b6b6b; background: #fff; border-radius: 3px; padding: 2px 8px; color: var(--fg); }\n"
    "th button { border: 0; background: none; padding: 0; font-weight: 700; }\n"
    "th[aria-sort=ascending] button::after { content: \" \\25b2\"; } th[aria-sort=descending] button::after { content: \" \\25bc\"; }\n"
    "button.exp { width: 2em; }\n"
    ":focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }\n"
    "tr.finding:hover { background: #fafafa; }\n"
    "td.msg { max-width: 48em; white-space: pre-wrap; overflow-wrap: anywhere; }\n"
    "td.res, td.rule { overflow-wrap: anywhere; }\n"
    "tr.detail > td { background: #fbfbfb; }\n"
    "dl.detail { display: grid; grid-template-columns: max-content 1fr; gap: 2px 12px; margin: 4px 0; }\n"
    "dl.detail dt { font-weight: 600; } dl.detail dd { margin: 0; white-space: pre-wrap; overflow-wrap: anywhere; }\n"
    "ul.plist { columns: 2; margin: 4px 0; } ul.plist small { display: inline; }\n"
    "#count { margin: 6px 0; }\n"
    ".print-only { display: none; }\n"
    "@media print {\n"
    "  body { max-width: none; padding: 0; font-size: 11px; }\n"
    "  #filters, #count, button.exp, button.more, button.pass-btn, .no-print { display: none !important; }\n"
    "  th button { pointer-events: none; }\n"
    "  th[aria-sort] button::after { content: none; }\n"
    "  .print-only { display: block; }\n"
    "  #findings-body tr.detail[hidden] { display: table-row; }\n"
    "  tr.finding { break-inside: avoid; }\n"
    "  #filters { position: static; }\n"
    "  .grid { display: block; }\n"
    "  a { color: inherit; }\n"
    "  thead { display: table-header-group; }\n"
    "}\n";

static const char html_body[] =
    "<header>\n"
    "<h1>fourc compliance report</h1>\n"
    "<noscript><p>This report needs JavaScript to show its figures; the JSON report of the same scan holds them all.</p></noscript>\n"
    "</header>\n"
    "<main>\n"
    "<section aria-labelledby=\"h-ov\"><h2 id=\"h-ov\">Overview</h2><div id=\"overview\"></div>\n"
    "<div class=\"grid\"><div id=\"pillars\"></div><div id=\"severity\"></div></div></section>\n"
    "<section aria-labelledby=\"h-tr\"><h2 id=\"h-tr\">Trend</h2><div id=\"trend\"></div></section>\n"
    "<section aria-labelledby=\"h-fw\"><h2 id=\"h-fw\">Frameworks and controls</h2><div id=\"frameworks\"></div></section>\n"
    "<section aria-labelledby=\"h-fi\"><h2 id=\"h-fi\">Findings</h2>\n"
    "<div id=\"filters\" role=\"search\" aria-label=\"Filter findings\"></div>\n"
    "<p id=\"count\" role=\"status\" aria-live=\"polite\"></p><p id=\"print-note\" class=\"print-only\"></p>\n"
    "<table id=\"findings-table\"><caption>Findings (passing ones are listed per rule below; choose status \"pass\" to list them here)</caption>\n"
    "<thead><tr><th scope=\"col\"><span class=\"no-print\">Details</span></th><th scope=\"col\" data-sort=\"status\"><button type=\"button\">Status</button></th><th scope=\"col\" data-sort=\"severity\"><button type=\"button\">Severity</button></th><th scope=\"col\" data-sort=\"rule\"><button type=\"button\">Rule</button></th><th scope=\"col\" data-sort=\"resource\"><button type=\"button\">Resource</button></th><th scope=\"col\" data-sort=\"message\"><button type=\"button\">Message</button></th></tr></thead>\n"
    "<tbody id=\"findings-body\"></tbody></table>\n"
    "<button type=\"button\" id=\"more\" class=\"more\" hidden>Show more</button>\n"
    "</section>\n"
    "<section aria-labelledby=\"h-pa\"><h2 id=\"h-pa\">Passing checks by rule</h2>\n"
    "<table id=\"passing-table\"><caption>Rules with passing resources (filtered like the findings)</caption>\n"
    "<thead><tr><th scope=\"col\">Rule</th><th scope=\"col\">Title</th><th scope=\"col\">Severity</th><th scope=\"col\" class=\"num\">Passing</th><th scope=\"col\"><span class=\"no-print\">Resources</span></th></tr></thead>\n"
    "<tbody id=\"passing-body\"></tbody></table></section>\n"
    "</main>\n";

static const char html_js[] =
    "(function () {\n"
    "'use strict';\n"
    "var D = JSON.parse(document.getElementById('fourc-data').textContent);\n"
    "var R = D.rules, RS = D.res;\n"
    "var ST = ['pass', 'fail', 'error', 'manual', 'skip', 'waived'];\n"
    "var SEV = ['critical', 'high', 'medium', 'low', 'info'];\n"
    "var PIL = ['code', 'container', 'cluster', 'cloud'];\n"
    "var RANK = [5, 0, 1, 2, 4, 3]; /* status index -> sort rank */\n"
    "var PAGE = 200;\n"
    "var F = {status: 'open', severity: '', pillar: '', framework: '', q: '', sort: 'status', dir: 1, expand: ''};\n"
    "var rows, passRows = null, passBy = {}, view = [], shown = 0, uniq = 0;\n"
    "\n"
    "function $(id) { return document.getElementById(id); }\n"
    "function el(tag, cls, text) {\n"
    "  var e = document.createElement(tag);\n"
    "  if (cls) e.className = cls;\n"
    "  if (text !== undefined && text !== null) e.textContent = String(text);\n"
    "  return e;\n"
    "}\n"
    "function add(p, tag, cls, text) { return p.appendChild(el(tag, cls, text)); }\n"
    "function pct(c) { var n = c.pass + c.fail; return n ? (100 * c.pass / n).toFixed(1) + '%' : 'n/a'; }\n"
    "function badge(p, st) { return add(p, 'span', 'badge st-' + st, st.toUpperCase()); }\n"
    "function str(v) { return typeof v === 'string' ? v : JSON.stringify(v); }\n"
    "function natcmp(a, b) {\n"
    "  var x = String(a).split(/(\\d+)/), y = String(b).split(/(\\d+)/), i, d;\n"
    "  for (i = 0; i < x.length && i < y.length; i++) {\n"
    "    if (i % 2) { d = +x[i] - +y[i]; if (d) return d; }\n"
    "    else if (x[i] !== y[i]) return x[i] < y[i] ? -1 : 1;\n"
    "  }\n"
    "  return x.length - y.length;\n"
    "}\n"
    "function zero() { return {pass: 0, fail: 0, error: 0, manual: 0, skip: 0, waived: 0}; }\n"
    "\n"
    "/* A row of counts: label, compliance, one cell per status; data-k names\n"
    " * each figure so tests can compare it with the JSON report. */\n"
    "function countRow(tb, label, c, key, th) {\n"
    "  var tr = add(tb, 'tr'), total = 0, td;\n"
    "  add(tr, 'th', th || '', label).setAttribute('scope', 'row');\n"
    "  td = add(tr, 'td', 'num pct', pct(c));\n"
    "  if (key) td.setAttribute('data-k', key + '.compliance');\n"
    "  ST.forEach(function (s) {\n"
    "    td = add(tr, 'td', 'num' + (c[s] ? ' has-' + s : ''), c[s]);\n"
    "    if (key) td.setAttribute('data-k', key + '.' + s);\n"
    "    total += c[s];\n"
    "  });\n"
    "  add(tr, 'td', 'num', total);\n"
    "  return tr;\n"
    "}\n"
    "function countTable(p, caption, head) {\n"
    "  var t = add(p, 'table', 'counts'), tr;\n"
    "  add(t, 'caption', '', caption);\n"
    "  tr = add(add(t, 'thead'), 'tr');\n"
    "  [head, 'Compliance'].concat(ST.map(function (s) { return s.toUpperCase(); }), ['Total'])\n"
    "    .forEach(function (h) { add(tr, 'th', '', h).setAttribute('scope', 'col'); });\n"
    "  return add(t, 'tbody');\n"
    "}\n"
    "\n"
    "function overview() {\n"
    "  var s = D.summary, sc = D.scan, box = $('overview'), p, bar, dl;\n"
    "  dl = add(box, 'dl', 'meta');\n"
    "  [['Scan', '#' + sc.id + ' (' + sc.status + ')'], ['Started', sc.started], ['Finished', sc.finished],\n"
    "   ['Targets', (sc.targets || []).map(function (t) { return t.type + ': ' + t.ref; }).join(', ') || 'none'],\n"
    "   ['Rules digest', sc.rules_digest], ['fourc', sc.tool_version]].forEach(function (m) {\n"
    "    add(dl, 'dt', '', m[0]); add(dl, 'dd', '', m[1]);\n"
    "  });\n"
    "  p = add(box, 'p', 'big');\n"
    "  add(p, 'strong', '', pct(s)).setAttribute('data-k', 'overall.compliance');\n"
    "  p.appendChild(document.createTextNode(' compliant: ' + s.pass + ' of ' + (s.pass + s.fail) +\n"
    "    ' evaluated checks pass. Not counted as pass: ' + s.error + ' error, ' + s.manual +\n"
    "    ' manual (need review); also ' + s.skip + ' skipped, ' + s.waived + ' waived.'));\n"
    "  bar = add(box, 'div', 'bar');\n"
    "  bar.setAttribute('aria-hidden', 'true');\n"
    "  ST.forEach(function (st) {\n"
    "    if (!s[st]) return;\n"
    "    var seg = add(bar, 'span', 'seg st-' + st, st.toUpperCase() + ' ' + s[st]);\n"
    "    seg.style.flexGrow = String(s[st]);\n"
    "  });\n"
    "  var tb = countTable($('pillars'), 'Compliance overall and by pillar (compliance = pass / (pass + fail))', 'Pillar');\n"
    "  countRow(tb, 'All', s, 'overall', 'all');\n"
    "  PIL.forEach(function (pl) { countRow(tb, pl, s.by_pillar[pl] || zero(), 'pillar.' + pl); });\n"
    "  tb = countTable($('severity'), 'Findings by severity', 'Severity');\n"
    "  SEV.forEach(function (sv) { countRow(tb, sv, s.by_severity[sv] || zero(), 'severity.' + sv, 'sev-' + sv); });\n"
    "}\n"
    "\n"
    "function trend() {\n"
    "  var t = D.trend || [], box = $('trend'), NS = 'http://www.w3.org/2000/svg';\n"
    "  var bw = 48, gap = 36, top = 28, h = 150, n = t.length, max = 1, W = Math.max(gap + n * (bw + gap), 320);\n"
    "  var svg = document.createElementNS(NS, 'svg'), tb;\n"
    "  function sv(tag, attrs, text, parent) {\n"
    "    var e = document.createElementNS(NS, tag), k;\n"
    "    for (k in attrs) e.setAttribute(k, attrs[k]);\n"
    "    if (text !== undefined) e.textContent = text;\n"
    "    (parent || svg).appendChild(e);\n"
    "    return e;\n"
    "  }\n"
    "  t.forEach(function (p) { var s = 0; ST.forEach(function (x) { s += p[x]; }); if (s > max) max = s; });\n"
    "  svg.setAttribute('viewBox', '0 0 ' + W + ' ' + (top + h + 44));\n"
    "  svg.setAttribute('width', W);\n"
    "  svg.setAttribute('role', 'img');\n"
    "  svg.setAttribute('aria-label', 'Findings by status in the last ' + n + ' scans; the table below has the figures');\n"
    "  sv('line', {x1: 0, x2: W, y1: top + h, y2: top + h, 'class': 'axis'});\n"
    "  t.forEach(function (p, i) {\n"
    "    var x = gap + i * (bw + gap), y = top + h, g = sv('g', {});\n"
    "    ST.forEach(function (st) {\n"
    "      if (!p[st]) return;\n"
    "      var hh = Math.max(1, h * p[st] / max);\n"
    "      y -= hh;\n"
    "      sv('title', {}, st + ': ' + p[st], sv('rect', {x: x, y: y, width: bw, height: hh, 'class': 'seg st-' + st}, undefined, g));\n"
    "    });\n"
    "    sv('text', {x: x + bw / 2, y: y - 6, 'class': 'lbl'}, pct(p), g);\n"
    "    sv('text', {x: x + bw / 2, y: top + h + 16, 'class': 'lbl'}, '#' + p.id, g);\n"
    "    sv('text', {x: x + bw / 2, y: top + h + 32, 'class': 'lbl small'}, String(p.finished || '').slice(0, 10), g);\n"
    "  });\n"
    "  box.appendChild(svg);\n"
    "  var lg = add(box, 'p', 'legend');\n"
    "  lg.appendChild(document.createTextNode('Bars, bottom to top: '));\n"
    "  ST.forEach(function (st) { badge(lg, st); lg.appendChild(document.createTextNode(' ')); });\n"
    "  lg.appendChild(document.createTextNode('; the figure above each bar is its compliance.'));\n"
    "  tb = countTable(box, 'Last ' + n + ' scans of the same targets, oldest first', 'Scan');\n"
    "  t.forEach(function (p) { countRow(tb, '#' + p.id + ' ' + (p.finished || ''), p); });\n"
    "}\n"
    "\n"
    "function ruleCounts() {\n"
    "  var c = R.map(function () { return zero(); });\n"
    "  D.f.forEach(function (f) { c[f[0]][ST[f[2]]]++; });\n"
    "  D.p.forEach(function (g) { c[g[0]].pass += g[1].length; });\n"
    "  return c;\n"
    "}\n"
    "\n"
    "function frameworks() {\n"
    "  var rc = ruleCounts(), fws = {}, box = $('frameworks');\n"
    "  R.forEach(function (r, ri) {\n"
    "    var fw = r[4] || {}, name;\n"
    "    for (name in fw) {\n"
    "      fws[name] = fws[name] || {};\n"
    "      (fw[name] || []).forEach(function (id) {\n"
    "        var c = fws[name][id] = fws[name][id] || {rules: [], c: zero()};\n"
    "        if (c.rules.indexOf(r[0]) < 0) c.rules.push(r[0]);\n"
    "        ST.forEach(function (s) { c.c[s] += rc[ri][s]; });\n"
    "      });\n"
    "    }\n"
    "  });\n"
    "  Object.keys(fws).sort().forEach(function (name, i) {\n"
    "    var det = add(box, 'details', 'fw'), sum = add(det, 'summary'), tot = D.summary.by_framework[name] || zero();\n"
    "    var ids = Object.keys(fws[name]).sort(natcmp), tb, sec = null;\n"
    "    if (i === 0) det.open = true;\n"
    "    add(sum, 'strong', '', name);\n"
    "    if (tot.title) add(sum, 'span', 'fwtitle', ' ' + tot.title);\n"
    "    sum.appendChild(document.createTextNode(' ' + pct(tot) + ' compliant, ' + ids.length + ' controls: '));\n"
    "    ST.forEach(function (s) {\n"
    "      var sp = add(sum, 'span', 'tag', s + ' ');\n"
    "      add(sp, 'b', '', tot[s]).setAttribute('data-k', 'framework.' + name + '.' + s);\n"
    "    });\n"
    "    tb = countTable(det, name + ': counts per control', 'Control');\n"
    "    ids.forEach(function (id) {\n"
    "      var dot = id.lastIndexOf('.'), s = dot > 0 ? id.slice(0, dot) : '', tr;\n"
    "      if (s !== sec) {\n"
    "        sec = s;\n"
    "        var c = zero();\n"
    "        ids.forEach(function (o) { var d = o.lastIndexOf('.'); if ((d > 0 ? o.slice(0, d) : '') === s) ST.forEach(function (x) { c[x] += fws[name][o].c[x]; }); });\n"
    "        countRow(tb, s ? 'Section ' + s + ((tot.sections || {})[s] ? ' ' + tot.sections[s] : '') : 'Controls', c, '').className = 'section';\n"
    "      }\n"
    "      tr = countRow(tb, id, fws[name][id].c, '');\n"
    "      if (((tot.controls || {})[id] || {}).title) add(tr.firstChild, 'span', 'ctitle', tot.controls[id].title);\n"
    "      add(tr.firstChild, 'span', 'rules', fws[name][id].rules.join(', '));\n"
    "    });\n"
    "  });\n"
    "  if (!Object.keys(fws).length) add(box, 'p', '', 'No framework controls in this scan.');\n"
    "}\n"
    "\n"
    "/* ---- findings ---- */\n"
    "var ruleHay = R.map(function (r) { return (r[0] + '\\n' + r[1] + '\\n' + JSON.stringify(r[4] || {})).toLowerCase(); });\n"
    "function resLabel(s) { return s[0] + ' ' + (s[2] ? s[2] + '/' : '') + s[1]; }\n"
    "function hay(x) {\n"
    "  var s = RS[x.s];\n"
    "  return ruleHay[x.r] + '\\n' + [x.m || '', s[0], s[1], s[2] || '', s[3] || '', s[4]].join('\\n').toLowerCase();\n"
    "}\n"
    "function allPass() {\n"
    "  if (!passRows) {\n"
    "    passRows = [];\n"
    "    D.p.forEach(function (g) { g[1].forEach(function (s) { passRows.push({r: g[0], s: s, st: 0, m: null}); }); });\n"
    "  }\n"
    "  return passRows;\n"
    "}\n"
    "function ruleOk(ri) {\n"
    "  var r = R[ri];\n"
    "  return (!F.severity || r[3] === F.severity) && (!F.pillar || r[2] === F.pillar) &&\n"
    "    (!F.framework || (r[4] && r[4][F.framework]));\n"
    "}\n"
    "function matches(x) {\n"
    "  if (!ruleOk(x.r)) return false;\n"
    "  if (F.q) { if (x.h === undefined) x.h = hay(x); if (x.h.indexOf(F.q) < 0) return false; }\n"
    "  return true;\n"
    "}\n"
    "var KEYS = {\n"
    "  status: function (x) { return RANK[x.st]; },\n"
    "  severity: function (x) { return SEV.indexOf(R[x.r][3]); },\n"
    "  rule: function (x) { return R[x.r][0]; },\n"
    "  resource: function (x) { return resLabel(RS[x.s]); },\n"
    "  message: function (x) { return x.m || ''; }\n"
    "};\n"
    "function sortView() {\n"
    "  var k = KEYS[F.sort] || KEYS.status, sev = KEYS.severity, d = F.dir;\n"
    "  view.sort(function (a, b) {\n"
    "    var x = k(a), y = k(b);\n"
    "    if (x !== y) return (x < y ? -1 : 1) * d;\n"
    "    x = sev(a); y = sev(b);\n"
    "    return x - y;\n"
    "  });\n"
    "}\n"
    "function source() {\n"
    "  var i = ST.indexOf(F.status);\n"
    "  if (F.status === 'pass') return allPass();\n"
    "  if (F.status === 'all') return rows.concat(allPass());\n"
    "  if (i < 0) return rows;\n"
    "  return rows.filter(function (x) { return x.st === i; });\n"
    "}\n"
    "\n"
    "function detail(x, td) {\n"
    "  var r = R[x.r], s = RS[x.s], dl = add(td, 'dl', 'detail'), ev = x.ev || {}, k, fw = [], refs;\n"
    "  function item(t, v) { if (v === undefined || v === null || v === '') return; add(dl, 'dt', '', t); return add(dl, 'dd', '', v); }\n"
    "  item('Message', x.m);\n"
    "  if (x.st === 0) item('Evidence', 'Passing findings are summarised per rule; the JSON report of this scan holds their evidence.');\n"
    "  for (k in ev) item('Evidence ' + k, str(ev[k]));\n"
    "  item('Resource', s[0] + ' ' + s[1] + (s[2] ? ' in namespace ' + s[2] : ''));\n"
    "  item('Source', s[3]);\n"
    "  item('UID', s[4]);\n"
    "  for (k in r[4] || {}) fw.push(k + ': ' + r[4][k].join(', '));\n"
    "  item('Frameworks', fw.join('; '));\n"
    "  item('Remediation', r[5]);\n"
    "  if ((r[6] || []).length) {\n"
    "    add(dl, 'dt', '', 'References');\n"
    "    refs = add(dl, 'dd');\n"
    "    r[6].forEach(function (u) {\n"
    "      var li = add(refs, 'div');\n"
    "      if (/^https?:\\/\\//i.test(u)) { var a = add(li, 'a', '', u); a.href = u; a.rel = 'noreferrer'; } else li.textContent = u;\n"
    "    });\n"
    "  }\n"
    "  item('Rule version', r[7]);\n"
    "  if (x.fp) item('Fingerprint', 'sha256:' + x.fp);\n"
    "}\n"
    "function toggle(btn, x, dtr) {\n"
    "  var open = btn.getAttribute('aria-expanded') !== 'true';\n"
    "  if (open && !dtr.firstChild.firstChild) detail(x, dtr.firstChild);\n"
    "  btn.setAttribute('aria-expanded', String(open));\n"
    "  btn.textContent = open ? '\\u25be' : '\\u25b8';\n"
    "  dtr.hidden = !open;\n"
    "}\n"
    "function rowEls(x, frag) {\n"
    "  var r = R[x.r], s = RS[x.s], tr = el('tr', 'finding'), dtr = el('tr', 'detail'), td, b, id = 'd' + (++uniq);\n"
    "  tr.setAttribute('data-status', ST[x.st]);\n"
    "  b = add(add(tr, 'td'), 'button', 'exp', '\\u25b8');\n"
    "  b.setAttribute('aria-expanded', 'false');\n"
    "  b.setAttribute('aria-controls', id);\n"
    "  b.setAttribute('aria-label', 'Details of ' + r[0] + ' on ' + s[1]);\n"
    "  b.onclick = function () { toggle(b, x, dtr); };\n"
    "  badge(add(tr, 'td'), ST[x.st]);\n"
    "  add(add(tr, 'td'), 'span', 'sev sev-' + r[3], r[3].toUpperCase());\n"
    "  td = add(tr, 'td', 'rule', r[0]); add(td, 'small', '', r[1]);\n"
    "  td = add(tr, 'td', 'res', resLabel(s)); add(td, 'small', '', s[3]);\n"
    "  add(tr, 'td', 'msg', x.st === 0 ? '(pass)' : x.m);\n"
    "  dtr.id = id; dtr.hidden = true;\n"
    "  add(dtr, 'td').colSpan = 6;\n"
    "  dtr.x = x;\n"
    "  frag.appendChild(tr); frag.appendChild(dtr);\n"
    "  if (F.expand) toggle(b, x, dtr);\n"
    "}\n"
    "function more(n) {\n"
    "  var end = Math.min(view.length, shown + (n || PAGE)), frag = document.createDocumentFragment(), t = $('findings-table');\n"
    "  for (; shown < end; shown++) rowEls(view[shown], frag);\n"
    "  $('findings-body').appendChild(frag);\n"
    "  t.setAttribute('data-matching', view.length);\n"
    "  t.setAttribute('data-shown', shown);\n"
    "  $('count').textContent = view.length + ' findings match; showing ' + shown + '.';\n"
    "  $('more').hidden = shown >= view.length;\n"
    "  $('more').textContent = 'Show ' + Math.min(PAGE, view.length - shown) + ' more';\n"
    "}\n"
    "function apply(keepHash) {\n"
    "  view = source().filter(matches);\n"
    "  sortView();\n"
    "  shown = 0;\n"
    "  $('findings-body').textContent = '';\n"
    "  more();\n"
    "  passing();\n"
    "  document.querySelectorAll('#findings-table th[data-sort]').forEach(function (th) {\n"
    "    var on = th.getAttribute('data-sort') === F.sort;\n"
    "    if (on) th.setAttribute('aria-sort', F.dir > 0 ? 'ascending' : 'descending'); else th.removeAttribute('aria-sort');\n"
    "  });\n"
    "  if (!keepHash) {\n"
    "    var h = [];\n"
    "    ['status', 'severity', 'pillar', 'framework', 'q', 'sort', 'expand'].forEach(function (k) {\n"
    "      if (F[k] && !(k === 'status' && F[k] === 'open') && !(k === 'sort' && F[k] === 'status')) h.push(k + '=' + encodeURIComponent(F[k]));\n"
    "    });\n"
    "    if (F.dir < 0) h.push('dir=desc');\n"
    "    try { history.replaceState(null, '', h.length ? '#' + h.join('&') : location.pathname); } catch (e) { /* file:// in some browsers */ }\n"
    "  }\n"
    "}\n"
    "\n"
    "/* Passing findings, one row per rule; its resources on demand. */\n"
    "function passing() {\n"
    "  var tb = $('passing-body'), n = 0;\n"
    "  tb.textContent = '';\n"
    "  Object.keys(passBy).sort(function (a, b) {\n"
    "    return SEV.indexOf(R[a][3]) - SEV.indexOf(R[b][3]) || natcmp(R[a][0], R[b][0]);\n"
    "  }).forEach(function (k) {\n"
    "    var ri = +k, r = R[ri], list = passBy[k], tr, b, dtr, shownP = 0;\n"
    "    if (!ruleOk(ri) || (F.q && ruleHay[ri].indexOf(F.q) < 0)) return;\n"
    "    n++;\n"
    "    tr = add(tb, 'tr');\n"
    "    add(tr, 'td', 'rule', r[0]);\n"
    "    add(tr, 'td', '', r[1]);\n"
    "    add(add(tr, 'td'), 'span', 'sev sev-' + r[3], r[3].toUpperCase());\n"
    "    add(tr, 'td', 'num', list.length).setAttribute('data-pass', r[0]);\n"
    "    b = add(add(tr, 'td'), 'button', 'pass-btn', 'Show ' + list.length + ' passing resources');\n"
    "    dtr = add(tb, 'tr', 'detail');\n"
    "    dtr.hidden = true;\n"
    "    dtr.id = 'p' + (++uniq);\n"
    "    var td = add(dtr, 'td'), ul = add(td, 'ul', 'plist'), mb = add(td, 'button', 'more', 'Show more');\n"
    "    td.colSpan = 5;\n"
    "    mb.hidden = true;\n"
    "    b.setAttribute('aria-expanded', 'false');\n"
    "    b.setAttribute('aria-controls', dtr.id);\n"
    "    function fill() {\n"
    "      var end = Math.min(list.length, shownP + PAGE);\n"
    "      for (; shownP < end; shownP++) {\n"
    "        var s = RS[list[shownP]], li = add(ul, 'li', '', resLabel(s));\n"
    "        if (s[3]) add(li, 'small', '', ' ' + s[3]);\n"
    "      }\n"
    "      mb.hidden = shownP >= list.length;\n"
    "    }\n"
    "    mb.onclick = fill;\n"
    "    b.onclick = function () {\n"
    "      var open = b.getAttribute('aria-expanded') !== 'true';\n"
    "      if (open && !shownP) fill();\n"
    "      b.setAttribute('aria-expanded', String(open));\n"
    "      b.textContent = (open ? 'Hide ' : 'Show ') + list.length + ' passing resources';\n"
    "      dtr.hidden = !open;\n"
    "    };\n"
    "  });\n"
    "  $('passing-table').setAttribute('data-rules', n);\n"
    "}\n"
    "\n"
    "function controls() {\n"
    "  var f = $('filters');\n"
    "  function sel(key, label, opts) {\n"
    "    var w = add(f, 'label', '', label + ' '), s = add(w, 'select');\n"
    "    s.id = 'f-' + key;\n"
    "    opts.forEach(function (o) { var op = add(s, 'option', '', o[1]); op.value = o[0]; });\n"
    "    s.value = F[key];\n"
    "    if (s.value !== F[key]) { F[key] = ''; s.value = ''; }\n"
    "    s.onchange = function () { F[key] = s.value; apply(); };\n"
    "  }\n"
    "  var S = D.summary;\n"
    "  sel('status', 'Status', [['open', 'not passing (' + (S.fail + S.error + S.manual + S.skip + S.waived) + ')'], ['all', 'all (' + S.total + ')']]\n"
    "    .concat(ST.map(function (s) { return [s, s + ' (' + S[s] + ')']; })));\n"
    "  sel('severity', 'Severity', [['', 'all']].concat(SEV.map(function (s) { return [s, s]; })));\n"
    "  sel('pillar', 'Pillar', [['', 'all']].concat(PIL.map(function (s) { return [s, s]; })));\n"
    "  sel('framework', 'Framework', [['', 'all']].concat(Object.keys(S.by_framework).sort().map(function (s) { return [s, s]; })));\n"
    "  var w = add(f, 'label', '', 'Search '), q = add(w, 'input'), tm;\n"
    "  q.type = 'search'; q.id = 'f-q'; q.value = F.q;\n"
    "  q.oninput = function () { clearTimeout(tm); tm = setTimeout(function () { F.q = q.value.trim().toLowerCase(); apply(); }, 150); };\n"
    "  var rb = add(f, 'button', '', 'Reset filters');\n"
    "  rb.onclick = function () { location.hash = ''; location.reload(); };\n"
    "  $('more').onclick = function () { more(); };\n"
    "  document.querySelectorAll('#findings-table th[data-sort] button').forEach(function (b) {\n"
    "    b.onclick = function () {\n"
    "      var k = b.parentNode.getAttribute('data-sort');\n"
    "      F.dir = F.sort === k ? -F.dir : 1;\n"
    "      F.sort = k;\n"
    "      apply();\n"
    "    };\n"
    "  });\n"
    "}\n"
    "\n"
    "function readHash() {\n"
    "  var h = (location.hash.slice(1) + '&' + location.search.slice(1)).split('&');\n"
    "  h.forEach(function (kv) {\n"
    "    var i = kv.indexOf('='), k, v;\n"
    "    if (i < 1) return;\n"
    "    k = kv.slice(0, i);\n"
    "    try { v = decodeURIComponent(kv.slice(i + 1).replace(/\\+/g, ' ')); } catch (e) { return; }\n"
    "    if (k === 'dir') F.dir = v === 'desc' ? -1 : 1;\n"
    "    else if (k === 'q') F.q = v.trim().toLowerCase();\n"
    "    else if (F.hasOwnProperty(k)) F[k] = v;\n"
    "  });\n"
    "}\n"
    "\n"
    "window.addEventListener('beforeprint', function () {\n"
    "  document.querySelectorAll('details').forEach(function (d) { d.open = true; });\n"
    "  if (view.length - shown <= 2000) more(view.length - shown);\n"
    "  document.querySelectorAll('#findings-body tr.detail').forEach(function (d) {\n"
    "    if (!d.firstChild.firstChild) detail(d.x, d.firstChild);\n"
    "  });\n"
    "  $('print-note').textContent = 'Printed ' + shown + ' of ' + view.length + ' findings matching: status ' + (F.status === 'open' ? 'not passing' : F.status) +\n"
    "    (F.severity ? ', severity ' + F.severity : '') + (F.pillar ? ', pillar ' + F.pillar : '') +\n"
    "    (F.framework ? ', framework ' + F.framework : '') + (F.q ? ', text \"' + F.q + '\"' : '') + '.';\n"
    "});\n"
    "\n"
    "rows = D.f.map(function (f) { return {r: f[0], s: f[1], st: f[2], m: f[3], ev: f[4], fp: f[5]}; });\n"
    "D.p.forEach(function (g) { passBy[g[0]] = (passBy[g[0]] || []).concat(g[1]); });\n"
    "readHash();\n"
    "overview();\n"
    "trend();\n"
    "frameworks();\n"
    "controls();\n"
    "apply(true);\n"
    "document.body.setAttribute('data-ready-ms', Math.round(performance.now()));\n"
    "document.body.setAttribute('data-resources', performance.getEntriesByType('resource').length);\n"
    "window.addEventListener('load', function () {\n"
    "  document.body.setAttribute('data-resources', performance.getEntriesByType('resource').length);\n"
    "});\n"
    "})();\n";
/* clang-format on */

struct html_data {
    json_t *rule_ix; /* rule_version -> index in rules */
    json_t *res_ix;  /* resource uid and source -> index in res */
    struct strbuf rules, res, fails, pass;
    json_int_t nrules, nres, nfails;
    json_int_t pass_rule; /* rule of the open pass group, -1 for none */
    json_int_t npass;     /* entries in the open pass group */
};

static int html_status(const char *s)
{
    int i;

    for (i = 0; s && i < 6; i++)
        if (strcmp(s, html_statuses[i]) == 0)
            return i;
    return 2; /* unknown is never a pass: shown as error */
}

/* Appends obj's key as JSON (null when absent), after a comma unless
 * first. */
static void html_field(struct strbuf *sb, const json_t *obj, const char *key,
                       int first)
{
    const json_t *v = json_object_get(obj, key);

    if (!first)
        sb_add(sb, ",", 1);
    jsonw_value(sb, v ? v : json_null());
}

/* The index of f's rule in the rules table, adding it on first sight. */
static json_int_t html_rule(struct html_data *hd, const json_t *f)
{
    const char *key = json_string_value(json_object_get(f, "rule_version"));
    json_t *ix;
    static const char *const fields[] = {
        "rule",       "title",       "pillar",     "severity",
        "frameworks", "remediation", "references", "rule_version"};
    size_t i;

    if (!key)
        key = "";
    if ((ix = json_object_get(hd->rule_ix, key)))
        return json_integer_value(ix);
    sb_adds(&hd->rules, hd->nrules ? ",[" : "[");
    for (i = 0; i < sizeof(fields) / sizeof(*fields); i++)
        html_field(&hd->rules, f, fields[i], i == 0);
    sb_add(&hd->rules, "]", 1);
    json_object_set_new(hd->rule_ix, key, json_integer(hd->nrules));
    return hd->nrules++;
}

/* The index of f's resource in the res table, adding it on first sight.
 * Keyed by uid and source: two targets may hold objects of the same uid. */
static json_int_t html_resource(struct html_data *hd, const json_t *f)
{
    const json_t *r = json_object_get(f, "resource");
    const char *uid = json_string_value(json_object_get(r, "uid"));
    const char *src = json_string_value(json_object_get(r, "source"));
    struct strbuf key = STRBUF_INIT;
    json_t *ix;

    sb_addf(&key, "%s\n%s", uid ? uid : "", src ? src : "");
    ix = json_object_get(hd->res_ix, key.buf);
    if (ix) {
        sb_release(&key);
        return json_integer_value(ix);
    }
    sb_adds(&hd->res, hd->nres ? ",[" : "[");
    html_field(&hd->res, r, "kind", 1);
    html_field(&hd->res, r, "name", 0);
    html_field(&hd->res, r, "namespace", 0);
    html_field(&hd->res, r, "source", 0);
    html_field(&hd->res, r, "uid", 0);
    sb_add(&hd->res, "]", 1);
    json_object_set_new(hd->res_ix, key.buf, json_integer(hd->nres));
    sb_release(&key);
    return hd->nres++;
}

static int html_finding(const json_t *f, void *ctx)
{
    struct html_data *hd = ctx;
    json_int_t rule = html_rule(hd, f), res = html_resource(hd, f);
    int status = html_status(json_string_value(json_object_get(f, "status")));
    const json_t *ev = json_object_get(f, "evidence");
    const char *fp = json_string_value(json_object_get(f, "fingerprint"));

    if (status == 0) {
        if (hd->pass_rule != rule) {
            if (hd->pass_rule >= 0)
                sb_adds(&hd->pass, "]],");
            sb_addf(&hd->pass, "[%" JSON_INTEGER_FORMAT ",[", rule);
            hd->pass_rule = rule;
            hd->npass = 0;
        }
        sb_addf(&hd->pass, "%s%" JSON_INTEGER_FORMAT, hd->npass++ ? "," : "",
                res);
        return 0;
    }
    sb_addf(&hd->fails,
            "%s[%" JSON_INTEGER_FORMAT ",%" JSON_INTEGER_FORMAT ",%d,",
            hd->nfails++ ? "," : "", rule, res, status);
    html_field(&hd->fails, f, "message", 1);
    if (json_object_size(ev))
        html_field(&hd->fails, f, "evidence", 0);
    else
        sb_adds(&hd->fails, ",0");
    sb_add(&hd->fails, ",", 1);
    if (fp && strncmp(fp, "sha256:", 7) == 0)
        fp += 7;
    jsonw_string(&hd->fails, fp ? fp : "", fp ? strlen(fp) : 0);
    sb_add(&hd->fails, "]", 1);
    return 0;
}

/* Writes JSON text with every '<' as \u003c, so nothing in it can end
 * the script element or open a comment. */
static void html_put_json(FILE *out, const char *s, size_t n)
{
    const char *lt;

    while (n && (lt = memchr(s, '<', n))) {
        fwrite(s, 1, (size_t)(lt - s), out);
        fputs("\\u003c", out);
        n -= (size_t)(lt - s) + 1;
        s = lt + 1;
    }
    fwrite(s, 1, n, out);
}

static void html_release(struct html_data *hd)
{
    json_decref(hd->rule_ix);
    json_decref(hd->res_ix);
    sb_release(&hd->rules);
    sb_release(&hd->res);
    sb_release(&hd->fails);
    sb_release(&hd->pass);
}

static int html_render(const struct report_ctx *rc, FILE *out, struct err *e)
{
    struct html_data hd = {.rules = STRBUF_INIT,
                           .res = STRBUF_INIT,
                           .fails = STRBUF_INIT,
                           .pass = STRBUF_INIT,
                           .pass_rule = -1};
    struct strbuf data = STRBUF_INIT;
    json_t *scan = NULL, *summary = NULL, *trend = NULL;
    int rc2 = -1;

    hd.rule_ix = json_object();
    hd.res_ix = json_object();
    if (!(scan = report_scan(rc, e)) || !(summary = report_summary(rc, e)) ||
        !(trend = report_trend(rc, HTML_TREND_SCANS, e)))
        goto out;
    if (report_foreach_finding(rc, html_finding, &hd, e))
        goto out;
    if (hd.pass_rule >= 0)
        sb_adds(&hd.pass, "]]");
    sb_adds(&data, "{\"scan\":");
    jsonw_value(&data, scan);
    sb_adds(&data, ",\"summary\":");
    jsonw_value(&data, summary);
    sb_adds(&data, ",\"trend\":");
    jsonw_value(&data, trend);
    sb_addf(&data, ",\"rules\":[%s],\"res\":[%s],\"f\":[%s],\"p\":[%s]}",
            sb_str(&hd.rules), sb_str(&hd.res), sb_str(&hd.fails),
            sb_str(&hd.pass));

    fprintf(out,
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n"
            "<meta charset=\"utf-8\">\n"
            "<meta http-equiv=\"Content-Security-Policy\" "
            "content=\"default-src 'none'; style-src 'unsafe-inline'; "
            "script-src 'unsafe-inline'; img-src data:\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, "
            "initial-scale=1\">\n"
            "<meta name=\"generator\" content=\"fourc %s\">\n"
            "<link rel=\"icon\" href=\"data:,\">\n"
            "<title>fourc report: scan %lld</title>\n<style>\n",
            PACKAGE_VERSION, (long long)rc->scan_id);
    fputs(html_css, out);
    fputs("</style>\n</head>\n<body>\n", out);
    fputs(html_body, out);
    fputs("<script type=\"application/json\" id=\"fourc-data\">", out);
    html_put_json(out, data.buf, data.len);
    fputs("</script>\n<script>\n", out);
    fputs(html_js, out);
    fputs("</script>\n</body>\n</html>\n", out);
    if (ferror(out))
        rc2 = err_set(e, "write error: %s", strerror(errno));
    else
        rc2 = 0;
out:
    json_decref(scan);
    json_decref(summary);
    json_decref(trend);
    sb_release(&data);
    html_release(&hd);
    return rc2;
}

const struct reporter reporter_html = {
    .name = "html",
    .ext = ".html",
    .summary = "one self-contained HTML page: compliance, controls, trend, "
               "findings",
    .render = html_render,
};
