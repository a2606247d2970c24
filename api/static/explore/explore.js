/* kg explorer: a client of the public GraphQL API (no private endpoints). Routes live in the hash:
 *   #/disease/<id>            ranked candidates, known genes
 *   #/disease/<id>/gene/<id>  ... plus the explanation of one candidate, drawn as a graph
 *   #/gene/<id>               diseases the model proposes the gene for
 *   #/phenotypes/<HP,HP,...>  genes ranked for a phenotype set
 *   #/patient/<HP,...>/<HP,...>  a patient (observed / excluded terms, or a phenopacket file): genes and diseases
 * window.kgExplorer.timings holds the last first-paint and graph-draw times (ms), for the browser test.
 */
"use strict";

const PAGE = 20;
const KEY = "kg-api-key";
const state = { cursors: [], disease: null, known: false, cy: null, layout: null };
const timings = { diseaseFirstPaint: null, graphDrawn: null, nodes: null, edges: null };
window.kgExplorer = { timings, state };

// ---------- DOM helpers (text only: never innerHTML with data) ----------
function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "style") el.style.cssText = v;
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) el.append(c instanceof Node ? c : String(c));
  return el;
}
const $ = (id) => document.getElementById(id);
/** Destroy the drawn graph before its container leaves the page (cytoscape may still have a frame queued). */
function dropGraph() {
  // a layout still iterating on a destroyed instance throws from its timers: stop it first
  if (state.layout) { state.layout.stop(); state.layout = null; }
  if (state.cy) { state.cy.destroy(); state.cy = null; }
}
function show(...nodes) { dropGraph(); const v = $("view"); v.replaceChildren(...nodes); return v; }
function fmt(x, digits = 3) { return x === null || x === undefined ? "–" : Number(x).toPrecision(digits); }
function link(route, text) { return h("a", { href: "#" + route }, text); }
function diseaseRoute(id) { return "/disease/" + encodeURIComponent(id); }

// ---------- GraphQL ----------
class HttpError extends Error {}
async function gql(query, variables) {
  const headers = { "content-type": "application/json" };
  const key = localStorage.getItem(KEY);
  if (key) headers["x-api-key"] = key;
  let response;
  try {
    response = await fetch("../graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  } catch (e) {
    throw new HttpError("The server cannot be reached (" + e.message + ").");
  }
  if (response.status === 401) { askKey(); throw new HttpError("This server needs an API key: enter it above."); }
  if (!response.ok) throw new HttpError("The server answered " + response.status + ".");
  const body = await response.json();
  if (body.errors && !body.data) throw new HttpError(body.errors.map((e) => e.message).join("; "));
  return body.data;
}
function askKey() {
  const form = $("key-form");
  form.hidden = false;
  $("api-key").focus();
}
$("key-form") && $("key-form").addEventListener("submit", (ev) => {
  ev.preventDefault();
  localStorage.setItem(KEY, $("api-key").value.trim());
  $("key-form").hidden = true;
  modelInfo();
  route();
});

const REF = "type id name";
const PROBLEMS = `... on NotFound { code message closeMatches } ... on Unavailable { code message }
  ... on BadInput { code message }`;
const Q = {
  model: `{ model { version release synthetic } }`,
  search: `query Search($t: String!) { search(text: $t, first: 8) { __typename
    ... on SearchHits { items { type id name } } ... on Unavailable { message } ... on BadInput { message } } }`,
  disease: `query DiseaseView($id: String!, $first: Int!, $after: String, $known: Boolean!) {
    disease(id: $id) { __typename ... on Disease { id name
        knownGenes { __typename ... on KnownGenes { items { id symbol source via } } ... on Unavailable { message } } }
      ... on NotFound { message closeMatches } ... on Unavailable { message } }
    candidateGenes(disease: $id, first: $first, after: $after, includeKnown: $known) { __typename
      ... on CandidateConnection { totalCount modelVersion pageInfo { hasNextPage endCursor }
        edges { node { rank score percentile known synthetic via gene { id symbol }
          evidence { __typename ... on Evidence { overall datatypes { datatype score synthetic via } }
            ... on Unavailable { message } } } } }
      ${PROBLEMS} } }`,
  explain: `query Explain($gene: String!, $disease: String!) { explain(gene: $gene, disease: $disease, topK: 5) {
    __typename
    ... on Explanation { logit synthetic modelVersion gene { ${REF} } disease { ${REF} }
      paths { weight relations synthetic nodes { ${REF} } }
      neighbours { side layer relation weight node { ${REF} } }
      prior { value withSpread weight logitPart
        similarDiseases { cosine node { ${REF} } sharedPhenotypes { ic weight node { ${REF} } } } }
      evidence { score probability gate parts { feature value contribution kind } } }
    ... on Ambiguous { message candidates } ${PROBLEMS} } }`,
  gene: `query GeneView($id: String!) { gene(id: $id) { __typename
    ... on Gene { id symbol name aliases predictedDiseases(first: 20) { __typename
        ... on PredictedDiseases { items { diseaseId rank score percentile disease { name } } }
        ... on Unavailable { message } ... on BadInput { message } } }
    ... on Ambiguous { message candidates } ${PROBLEMS} } }`,
  phenotypes: `query PhenotypeSet($p: [String!]!) { candidateGenesForPhenotypes(phenotypes: $p, first: 50) {
    __typename ... on PhenotypeRanking { modelVersion phenotypes genes { rank score gene { id symbol } } }
    ${PROBLEMS} } }`,
  patient: `query Patient($patient: PatientInput!) {
    candidateGenesForPatient(patient: $patient, first: 20) { __typename
      ... on PatientGenes { modelVersion observed excluded notes genes { rank score logit gene { id symbol } } }
      ${PROBLEMS} }
    differentialDiagnosis(patient: $patient, first: 10) { __typename
      ... on Diagnosis { modelVersion observed excluded notes diseases { rank score similarity bestMatch exclusionFactor equivalents
        disease { id name } matched { id name weight matchedAs } excludedPresent { id name weight }
        missingFrequent { id name weight } genes { id symbol } } }
      ${PROBLEMS} } }`,
};

/** A typed problem (NotFound, Unavailable, BadInput, Ambiguous) as a message; null for a result. */
function problem(result, what) {
  if (!result) return errorBox(`No answer for ${what}.`);
  switch (result.__typename) {
    case "NotFound": {
      const near = (result.closeMatches || []).map((id) => link(diseaseRoute(id), id));
      return errorBox(`Not found: ${result.message}`, near.length ? h("div", { class: "chips" }, "Did you mean: ", near) : null);
    }
    case "Unavailable": return errorBox(`Unavailable: ${result.message}`);
    case "BadInput": return errorBox(`Bad input: ${result.message}`);
    case "Ambiguous": return errorBox(`Ambiguous: ${result.message}`,
      h("div", { class: "chips" }, (result.candidates || []).map((s) => link("/gene/" + encodeURIComponent(s), s))));
    default: return null;
  }
}
function errorBox(text, extra) { return h("div", { class: "message error", role: "alert" }, h("div", {}, text), extra); }
function info(text) { return h("div", { class: "message info" }, text); }

// ---------- search with suggestions ----------
const ID_PATTERN = /^(OMIM|ORPHA|MONDO|TCGA-[A-Z]+|HP|NCBIGENE|HGNC|ENSG)[:\d]/i;
let searchTimer = null, searchSeq = 0, selected = -1, hits = [];
function hitRoute(hit) {
  if (hit.type === "Gene") return "/gene/" + encodeURIComponent(hit.id);
  if (hit.type === "Phenotype") return "/phenotypes/" + encodeURIComponent(hit.id);
  return diseaseRoute(hit.id);
}
function renderSuggestions() {
  const list = $("suggestions");
  list.replaceChildren(...hits.map((hit, i) => h("li", {
    role: "option", "aria-selected": i === selected ? "true" : "false",
    onmousedown: (ev) => { ev.preventDefault(); go(hitRoute(hit)); },
  }, h("span", { class: "type " + hit.type }, hit.type), h("span", {}, hit.name || hit.id), h("small", {}, hit.id))));
  list.hidden = hits.length === 0;
}
async function suggest(text) {
  const seq = ++searchSeq;
  try {
    const data = await gql(Q.search, { t: text });
    if (seq !== searchSeq) return;
    hits = data.search.__typename === "SearchHits" ? data.search.items : [];
  } catch (e) { hits = []; }
  selected = -1;
  renderSuggestions();
}
function go(r) {
  $("suggestions").hidden = true;
  hits = [];
  if (location.hash === "#" + r) route(); else location.hash = r;
}
function submitSearch(text) {
  const terms = text.match(/HP:\d{7}/gi);
  if (terms && terms.length > 1) return go("/phenotypes/" + terms.map((t) => t.toUpperCase()).join(","));
  if (selected >= 0 && hits[selected]) return go(hitRoute(hits[selected]));
  if (ID_PATTERN.test(text)) {
    if (/^HP:/i.test(text)) return go("/phenotypes/" + text.toUpperCase());
    if (/^(NCBIGENE|HGNC|ENSG)/i.test(text)) return go("/gene/" + encodeURIComponent(text));
    return go(diseaseRoute(text));
  }
  if (hits.length) return go(hitRoute(hits[0]));
  suggest(text);
}
function wireSearch() {
  const input = $("search");
  input.addEventListener("input", () => {
    clearTimeout(searchTimer);
    const text = input.value.trim();
    if (text.length < 2) { hits = []; renderSuggestions(); return; }
    searchTimer = setTimeout(() => suggest(text), 150);
  });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown" || ev.key === "ArrowUp") {
      if (!hits.length) return;
      ev.preventDefault();
      selected = (selected + (ev.key === "ArrowDown" ? 1 : -1) + hits.length) % hits.length;
      renderSuggestions();
    } else if (ev.key === "Enter") {
      ev.preventDefault();
      submitSearch(input.value.trim());
    } else if (ev.key === "Escape") { hits = []; renderSuggestions(); }
  });
  input.addEventListener("blur", () => setTimeout(() => { $("suggestions").hidden = true; }, 150));
}

// ---------- disease view ----------
const DATATYPES = ["curated_association", "somatic_mutation", "differential_expression", "tissue_expression"];
function evidenceBar(evidence) {
  if (!evidence || evidence.__typename !== "Evidence") return h("span", { class: "loading", title: evidence && evidence.message }, "n/a");
  if (!evidence.datatypes.length) return h("span", { class: "loading", title: "no known support: a new candidate" }, "none");
  const total = evidence.datatypes.reduce((s, d) => s + d.score, 0) || 1;
  const segments = evidence.datatypes.map((d) => h("span", {
    class: `dt-${d.datatype}` + (d.synthetic ? " dt-synthetic" : ""),
    style: `width:${(100 * evidence.overall * d.score / total).toFixed(1)}%`,
    title: `${d.datatype}: ${fmt(d.score)}${d.synthetic ? " (synthetic sample data)" : ""}${d.via ? " via " + d.via : ""}`,
  }));
  return h("div", { class: "bar", title: `overall ${fmt(evidence.overall)}` }, segments);
}
function legend() {
  return h("div", { class: "legend" }, DATATYPES.map((d) => h("span", {}, h("i", { class: "dt-" + d }), d.replace(/_/g, " "))),
    h("span", {}, h("i", { class: "dt-curated_association dt-synthetic" }), "hatched: synthetic"));
}
async function diseaseView(id, gene, start) {
  if (state.disease !== id) { state.disease = id; state.cursors = []; }
  const after = state.cursors.length ? state.cursors[state.cursors.length - 1] : null;
  let data;
  try { data = await gql(Q.disease, { id, first: PAGE, after, known: state.known }); } catch (e) { return show(errorBox(e.message)); }
  const d = data.disease, c = data.candidateGenes;
  const title = d.__typename === "Disease" ? (d.name || d.id) : id;
  const head = [h("h1", {}, title), h("p", { class: "sub" }, id, c.modelVersion ? ` · model ${c.modelVersion}` : "")];
  const candidates = h("div", { class: "card" }, h("h2", {}, "Candidate genes"));
  const bad = problem(c, "candidates");
  if (bad) candidates.append(bad);
  else {
    const rows = c.edges.map(({ node: n }) => h("tr", {
      class: "candidate" + (n.gene.id === gene ? " selected" : ""), "data-gene": n.gene.id,
      onclick: () => go(`${diseaseRoute(id)}/gene/${encodeURIComponent(n.gene.id)}`),
    }, h("td", { class: "num" }, n.rank), h("td", {}, h("b", {}, n.gene.symbol || n.gene.id)),
      h("td", { class: "num" }, fmt(n.score)), h("td", { class: "num hide-narrow" }, n.percentile === null ? "–" : n.percentile.toFixed(2)),
      h("td", {}, h("span", { class: "badge " + (n.known ? "known" : "new") }, n.known ? "known" : "new"),
        n.synthetic ? h("span", { class: "badge synthetic" }, "synthetic") : null),
      h("td", {}, evidenceBar(n.evidence)), h("td", { class: "hide-narrow" }, n.via || "")));
    const page = state.cursors.length + 1;
    candidates.append(
      h("label", {}, h("input", { type: "checkbox", checked: state.known, onchange: (ev) => { state.known = ev.target.checked; state.cursors = []; route(); } }), " include known genes"),
      h("div", { class: "scroll" }, h("table", { id: "candidates" },
        h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "gene"), h("th", { title: "softmax of the score over all genes" }, "probability"), h("th", { class: "hide-narrow" }, "percentile"),
          h("th", {}, ""), h("th", {}, "evidence"), h("th", { class: "hide-narrow" }, "via"))),
        h("tbody", {}, rows))),
      legend(),
      h("div", { class: "pager" },
        h("button", { disabled: state.cursors.length === 0, onclick: () => { state.cursors.pop(); route(); } }, "‹ previous"),
        h("span", {}, `page ${page} of ${Math.max(1, Math.ceil(c.totalCount / PAGE))} · ${c.totalCount} genes`),
        h("button", { disabled: !c.pageInfo.hasNextPage, onclick: () => { state.cursors.push(c.pageInfo.endCursor); route(); } }, "next ›")));
  }
  const side = h("div", { class: "card", id: "side" });
  if (gene) side.append(h("h2", {}, "Why this gene?"), h("div", { id: "explanation" }, h("p", { class: "loading" }, "Explaining…")));
  side.append(h("h2", {}, "Known genes"), knownGenes(d));
  show(...head, h("div", { class: "grid" }, candidates, side));
  requestAnimationFrame(() => { timings.diseaseFirstPaint = performance.now() - start; });
  if (gene && !bad) {
    const row = c.edges.find((e) => e.node.gene.id === gene);
    await explainView(gene, row && row.node.via ? row.node.via : id, start);
  } else if (gene) await explainView(gene, id, start);
}
function knownGenes(d) {
  if (d.__typename !== "Disease") return problem(d, "the disease") || info("No disease record.");
  const k = d.knownGenes;
  if (k.__typename !== "KnownGenes") return problem(k, "known genes");
  if (!k.items.length) return info("No curated gene for this disease.");
  return h("div", { class: "chips" }, k.items.map((g) => h("span", { title: (g.source || "") + (g.via ? " via " + g.via : "") },
    link("/gene/" + encodeURIComponent(g.id), g.symbol || g.id), g.via ? "*" : "")));
}

// ---------- explanation graph ----------
const COLOURS = { Gene: "#2b8a3e", Disease: "#c2410c", Phenotype: "#7048e8", GOTerm: "#0b7285" };
/** The same nodes and edges as gnn.subgraph.explanation_graph (kg explain --format cyjs). */
function explanationElements(e) {
  const nodes = new Map(), edges = new Map();
  const node = (n, role = "context") => {
    if (!nodes.has(n.id)) nodes.set(n.id, { data: { id: n.id, name: n.name || n.id, type: n.type || "", role } });
    return n.id;
  };
  const edge = (a, b, relation, weight, kind) => {
    const key = a + "\u0000" + b, old = edges.get(key);
    if (!old || old.data.weight < weight) edges.set(key, { data: { id: "e" + edges.size + ":" + key, source: a, target: b, relation, weight, kind } });
  };
  const gene = node(e.gene, "gene"), disease = node(e.disease, "disease");
  for (const p of e.paths) {
    const ids = p.nodes.map((n) => node(n));
    for (let i = 0; i + 1 < ids.length && i < p.relations.length; i++) edge(ids[i], ids[i + 1], p.relations[i], p.weight, "path");
  }
  for (const n of e.neighbours) edge(node(n.node), n.side === "gene" ? gene : disease, n.relation, n.weight, "neighbour");
  for (const s of (e.prior && e.prior.similarDiseases) || []) {
    const d = node(s.node);
    edge(gene, d, "ASSOCIATED_WITH", s.cosine, "similar_disease");
    for (const t of s.sharedPhenotypes) {
      const id = node(t.node);
      edge(disease, id, "HAS_PHENOTYPE", t.weight, "matched_phenotype");
      edge(d, id, "HAS_PHENOTYPE", t.weight, "matched_phenotype");
    }
  }
  // edge width: weight relative to the largest of its kind (attention, cosine and term weights differ in scale)
  const top = {};
  for (const x of edges.values()) top[x.data.kind] = Math.max(top[x.data.kind] || 0, x.data.weight);
  for (const x of edges.values()) x.data.width = 1 + 7 * (top[x.data.kind] > 0 ? x.data.weight / top[x.data.kind] : 0);
  return { nodes: [...nodes.values()], edges: [...edges.values()] };
}
function matchedPhenotypes(e) {
  const best = new Map();
  for (const s of (e.prior && e.prior.similarDiseases) || []) for (const t of s.sharedPhenotypes) {
    const old = best.get(t.node.id);
    if (!old || old.weight < t.weight) best.set(t.node.id, { ...t, via: s.node.name || s.node.id });
  }
  const rows = [...best.values()].sort((a, b) => b.weight - a.weight);
  if (!rows.length) return info("No phenotype shared with the gene's known diseases.");
  return h("table", { id: "phenotypes" }, h("thead", {}, h("tr", {}, h("th", {}, "phenotype"), h("th", {}, "weight"), h("th", {}, "IC"))),
    h("tbody", {}, rows.map((t) => h("tr", { title: "shared with " + t.via }, h("td", {}, t.node.name || t.node.id, " ", h("small", {}, t.node.id)),
      h("td", { class: "num" }, fmt(t.weight)), h("td", { class: "num" }, fmt(t.ic))))));
}
function evidenceTable(e) {
  if (!e.evidence) return info("This model ranks by its logit alone (no evidence ranker).");
  const rows = e.evidence.parts.filter((p) => Math.abs(p.contribution) >= 0.005);
  return h("table", { id: "evidence-parts" }, h("thead", {}, h("tr", {}, h("th", {}, e.evidence.gate != null ? "path" : "evidence"), h("th", { class: "hide-narrow" }, "value"), h("th", {}, "part of score"))),
    h("tbody", {}, rows.map((p) => h("tr", {}, h("td", {}, p.feature), h("td", { class: "num hide-narrow" }, fmt(p.value)),
      h("td", { class: "num " + (p.contribution >= 0 ? "pos" : "neg") }, (p.contribution >= 0 ? "+" : "") + fmt(p.contribution))))));
}
async function explainView(gene, disease, start) {
  const box = $("explanation");
  let data;
  try { data = await gql(Q.explain, { gene, disease }); } catch (err) { dropGraph(); return box.replaceChildren(errorBox(err.message)); }
  if (!box.isConnected) return;  // the user moved on while the answer was on its way
  const e = data.explain;
  const bad = problem(e, "the explanation");
  if (bad) { dropGraph(); return box.replaceChildren(bad); }
  const { nodes, edges } = explanationElements(e);
  const graph = h("div", { id: "graph", role: "img", "aria-label": `explanation graph, ${nodes.length} nodes` });
  dropGraph();
  box.replaceChildren(
    h("p", { class: "sub" }, `${e.gene.name || e.gene.id} for ${e.disease.name || e.disease.id} · ` +
      (e.evidence && e.evidence.gate != null ? `score ${fmt(e.evidence.score)}, probability ${fmt(e.evidence.probability)}` : `model logit ${fmt(e.logit)}`),
      e.synthetic ? h("span", { class: "badge synthetic" }, "synthetic") : null),
    graph,
    h("div", { class: "legend" }, Object.entries(COLOURS).map(([t, c]) => h("span", {}, h("i", { style: "background:" + c }), t)), h("span", {}, "edge width: attention / weight")),
    h("h2", {}, "Matched phenotypes"), matchedPhenotypes(e),
    h("h2", {}, e.evidence ? (e.evidence.gate != null ? `Paths of the score · their shares add up to ${fmt(e.evidence.score)} (gene gate ×${fmt(e.evidence.gate)} in each)` : `Evidence · score ${fmt(e.evidence.score)}`) : "Evidence"), evidenceTable(e));
  const cy = (state.cy = window.cytoscape({
    container: graph, elements: [...nodes, ...edges],
    layout: { name: "null" },
    style: [
      { selector: "node", style: { "background-color": (n) => COLOURS[n.data("type")] || "#868e96", label: "data(name)", "font-size": 10,
        "text-max-width": 110, "text-wrap": "ellipsis", width: 20, height: 20, color: "#1d2733" } },
      { selector: "node[role = 'gene'], node[role = 'disease']", style: { width: 30, height: 30, "border-width": 3, "border-color": "#1d2733", "font-weight": "bold", "font-size": 11 } },
      { selector: "edge", style: { width: "data(width)", "line-color": "#adb5bd", "curve-style": "bezier", "target-arrow-shape": "triangle", "target-arrow-color": "#adb5bd", opacity: 0.85 } },
      { selector: "edge[kind = 'path']", style: { "line-color": "#1f5fa8", "target-arrow-color": "#1f5fa8" } },
      { selector: "edge[kind = 'matched_phenotype']", style: { "line-color": "#b197fc", "target-arrow-color": "#b197fc" } },
    ],
  }));
  state.layout = cy.layout({ name: "cose", animate: false, randomize: false, nodeRepulsion: 20000, idealEdgeLength: 60, padding: 8 });
  state.layout.run();
  const tip = $("tooltip");
  cy.on("mouseover", "node", (ev) => {
    const n = ev.target.data();
    tip.textContent = `${n.name} · ${n.id}${n.type ? " · " + n.type : ""}`;
    tip.hidden = false;
  });
  cy.on("mousemove", (ev) => { tip.style.left = ev.originalEvent.clientX + 12 + "px"; tip.style.top = ev.originalEvent.clientY + 12 + "px"; });
  cy.on("mouseout", "node", () => { tip.hidden = true; });
  cy.on("tap", "node[type = 'Gene']", (ev) => { if (ev.target.data("role") !== "gene") go("/gene/" + encodeURIComponent(ev.target.id())); });
  cy.on("tap", "node[type = 'Disease']", (ev) => { if (ev.target.data("role") !== "disease") go(diseaseRoute(ev.target.id())); });
  requestAnimationFrame(() => {
    if (state.cy !== cy) return;  // already replaced
    timings.graphDrawn = performance.now() - start;
    timings.nodes = cy.nodes().length;
    timings.edges = cy.edges().length;
    graph.dataset.nodes = String(cy.nodes().length);
  });
}

// ---------- gene and phenotype views ----------
async function geneView(id) {
  let data;
  try { data = await gql(Q.gene, { id }); } catch (e) { return show(errorBox(e.message)); }
  const g = data.gene;
  const bad = problem(g, "the gene");
  if (bad) return show(h("h1", {}, id), bad);
  const p = g.predictedDiseases;
  const body = p.__typename === "PredictedDiseases"
    ? (p.items.length ? h("table", {}, h("thead", {}, h("tr", {}, h("th", {}, "disease"), h("th", {}, "rank there"), h("th", {}, "probability"))),
      h("tbody", {}, p.items.map((c) => h("tr", {}, h("td", {}, link(`${diseaseRoute(c.diseaseId)}/gene/${encodeURIComponent(g.id)}`, c.disease && c.disease.name ? c.disease.name : c.diseaseId), " ", h("small", {}, c.diseaseId)),
        h("td", { class: "num" }, c.rank), h("td", { class: "num" }, fmt(c.score))))))
      : info("The model proposes this gene for no disease."))
    : problem(p, "predictions");
  show(h("h1", {}, g.symbol || g.id), h("p", { class: "sub" }, g.name || "", " · ", g.id, g.aliases.length ? " · aliases " + g.aliases.slice(0, 8).join(", ") : ""),
    h("div", { class: "card" }, h("h2", {}, "Diseases the model proposes this gene for"), body));
}
async function phenotypeView(terms) {
  const area = h("textarea", { id: "terms", placeholder: "HP:0001166\nHP:0001083\nHP:0002616" }, terms.join("\n"));
  const run = () => go("/phenotypes/" + (area.value.match(/HP:\d{7}/gi) || []).map((t) => t.toUpperCase()).join(","));
  const out = h("div", { id: "ranking" });
  show(h("h1", {}, "Genes for a phenotype set"), h("p", { class: "sub" }, "Paste HPO terms (a patient's phenotypes); the model ranks every gene for them."),
    h("div", { class: "card" }, area, h("div", { class: "pager" }, h("button", { onclick: run, id: "rank" }, "Rank genes"))), out);
  if (!terms.length) return;
  out.append(h("p", { class: "loading" }, "Ranking…"));
  let data;
  try { data = await gql(Q.phenotypes, { p: terms }); } catch (e) { return out.replaceChildren(errorBox(e.message)); }
  const r = data.candidateGenesForPhenotypes;
  const bad = problem(r, "the phenotype set");
  if (bad) return out.replaceChildren(bad);
  out.replaceChildren(h("div", { class: "card" }, h("h2", {}, `Ranked genes · model ${r.modelVersion}`),
    h("div", { class: "scroll" }, h("table", { id: "candidates" }, h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "gene"), h("th", {}, "probability"))),
      h("tbody", {}, r.genes.map((g) => h("tr", {}, h("td", { class: "num" }, g.rank), h("td", {}, link("/gene/" + encodeURIComponent(g.gene.id), g.gene.symbol || g.gene.id)),
        h("td", { class: "num" }, fmt(g.score)))))))));
}

// ---------- a patient: genes and a differential diagnosis ----------
const TERMS = /HP:\d{7}/gi;
function termList(text) { return (text.match(TERMS) || []).map((t) => t.toUpperCase()); }
function terms(rows, what) {
  return rows.length ? rows.slice(0, 4).map((t) => `${t.name || t.id} (${what(t)})`).join("; ") : "–";
}
async function patientView(observed, excluded) {
  const obs = h("textarea", { id: "observed", placeholder: "observed: HP:0001166\nHP:0001083\nHP:0002616" }, observed.join("\n"));
  const exc = h("textarea", { id: "excluded", placeholder: "excluded (examined, absent): HP:0002650" }, excluded.join("\n"));
  const file = h("input", { type: "file", id: "phenopacket", accept: ".json,application/json" });
  const out = h("div", { id: "patient-results" });
  const run = () => go(`/patient/${termList(obs.value).join(",")}/${termList(exc.value).join(",")}`);
  file.addEventListener("change", async () => {
    const f = file.files && file.files[0];
    if (f) await patientResults(out, { phenopacket: await f.text() }, obs, exc);
  });
  show(h("h1", {}, "A patient"), h("p", { class: "sub" }, "Observed and excluded HPO terms, or a GA4GH phenopacket (v2 or v1): " +
      "the model ranks every gene and every disease; a disease that has a term the patient lacks loses similarity."),
    h("div", { class: "card" }, h("div", { class: "grid" }, h("div", {}, h("label", { for: "observed" }, "Observed"), obs),
      h("div", {}, h("label", { for: "excluded" }, "Excluded"), exc)),
      h("div", { class: "pager" }, h("button", { onclick: run, id: "rank-patient" }, "Rank genes and diseases"),
        h("label", { for: "phenopacket" }, "or load a phenopacket: "), file)), out);
  if (observed.length) await patientResults(out, { observed, excluded }, obs, exc);
}
async function patientResults(out, patient, obs, exc) {
  out.replaceChildren(h("p", { class: "loading" }, "Ranking…"));
  let data;
  try { data = await gql(Q.patient, { patient }); } catch (e) { return out.replaceChildren(errorBox(e.message)); }
  const g = data.candidateGenesForPatient, d = data.differentialDiagnosis;
  const bad = problem(g, "the patient") || problem(d, "the patient");
  if (bad) return out.replaceChildren(bad);
  obs.value = g.observed.join("\n"); exc.value = g.excluded.join("\n");
  const notes = g.notes.length ? h("div", { class: "message info", id: "notes" }, h("ul", { class: "plain" }, g.notes.map((n) => h("li", {}, n)))) : null;
  const genes = h("div", { class: "card" }, h("h2", {}, "Candidate genes"),
    h("div", { class: "scroll" }, h("table", { id: "patient-genes" }, h("thead", {}, h("tr", {}, h("th", {}, "#"), h("th", {}, "gene"), h("th", {}, "probability"))),
      h("tbody", {}, g.genes.map((r) => h("tr", {}, h("td", { class: "num" }, r.rank), h("td", {}, link("/gene/" + encodeURIComponent(r.gene.id), r.gene.symbol || r.gene.id)),
        h("td", { class: "num" }, fmt(r.score))))))));
  const geneLinks = (x) => x.genes.slice(0, 4).map((gene, i) => [i ? ", " : "", link("/gene/" + encodeURIComponent(gene.id), gene.symbol || gene.id)]);
  const row = (x) => h("tr", {}, h("td", { class: "num" }, x.rank),
    h("td", {}, link(diseaseRoute(x.disease.id), x.disease.name || x.disease.id), " ", h("small", {}, [x.disease.id, ...x.equivalents.slice(0, 2)].join(" = "))),
    h("td", { class: "num" }, fmt(x.score)), h("td", {}, terms(x.matched, (t) => fmt(t.weight, 2))),
    h("td", { class: x.excludedPresent.length ? "neg" : null }, terms(x.excludedPresent, (t) => Math.round(100 * t.weight) + "%")),
    h("td", {}, terms(x.missingFrequent, (t) => Math.round(100 * t.weight) + "%")), h("td", {}, geneLinks(x)));
  const head = ["#", "disease", "score", "matched (weight)", "excluded, present (frequency)", "frequent, absent", "genes"];
  const diseases = h("div", { class: "card" }, h("h2", {}, "Differential diagnosis"),
    h("p", { class: "sub" }, "score = phenotype similarity × best match × the excluded terms' factor"),
    h("div", { class: "scroll" }, h("table", { id: "diagnosis" }, h("thead", {}, h("tr", {}, head.map((c) => h("th", {}, c)))),
      h("tbody", {}, d.diseases.map(row)))));
  out.replaceChildren(...[notes, diseases, genes].filter(Boolean));
}

// ---------- routing ----------
async function route() {
  const start = performance.now();
  const parts = location.hash.replace(/^#\/?/, "").split("/").map(decodeURIComponent);
  if (parts[0] === "disease" && parts[1]) {
    if (!$("candidates") || state.disease !== parts[1]) show(h("p", { class: "loading" }, "Loading…"));
    return diseaseView(parts[1], parts[2] === "gene" ? parts[3] : null, start);
  }
  if (parts[0] === "gene" && parts[1]) return geneView(parts[1]);
  if (parts[0] === "phenotypes") return phenotypeView(parts[1] ? parts[1].split(",").filter(Boolean) : []);
  if (parts[0] === "patient") return patientView(termList(parts[1] || ""), termList(parts[2] || ""));
}
async function modelInfo() {
  try {
    const { model } = await gql(Q.model, {});
    $("model").textContent = model ? `model ${model.version} · ${model.release}${model.synthetic ? " · SYNTHETIC" : ""}` : "no model loaded";
  } catch (e) { /* shown by the view's own request */ }
}
window.addEventListener("hashchange", route);
document.addEventListener("DOMContentLoaded", () => { wireSearch(); modelInfo(); route(); });
