// The page's script: the scorecard (a D3 table, and for several runs a dygraph of every run's
// test top-1 and D3 scatters of top-1 against Mult-Adds, parameters and latency, log x as the
// MobileNet and ShuffleNet papers plot them), then per run its curves against global step
// (left) and epoch (right): loss, top-1, learning rate, distillation terms, QAT phases.
#include "train/report/page_script.h"

namespace minnow::report {

const std::string_view kErrorCollector = R"js(
window.minnowErrors = [];
window.minnowNoteError = function (message) {
  window.minnowErrors.push(String(message));
  const check = document.getElementById('selfcheck');
  if (check) {
    check.setAttribute('data-errors', window.minnowErrors.length);
    check.setAttribute('data-error-text', window.minnowErrors.join(' | '));
  }
};
window.addEventListener('error', function (e) { window.minnowNoteError(e.message || 'error loading ' + e.target); }, true);
window.addEventListener('unhandledrejection', function (e) { window.minnowNoteError(e.reason); });
(function () {
  const original = console.error;
  console.error = function () {
    window.minnowNoteError(Array.prototype.join.call(arguments, ' '));
    original.apply(console, arguments);
  };
})();
)js";

const std::string_view kPageScript = R"js(
(function () {
  'use strict';
  const report = JSON.parse(document.getElementById('report-data').textContent);
  const root = document.getElementById('report');
  const runColors = d3.scale.category10().range();
  const seriesColors = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b'];
  const charts = [];  // every dygraph made: {div, colors}
  let circlesExpected = 0;

  function el(parent, tag, className, text) {
    const node = parent.appendChild(document.createElement(tag));
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  const known = (v) => v !== null && v !== undefined;
  const fixed = (v, digits) => known(v) ? v.toFixed(digits) : '–';
  const last = (a) => a.length ? a[a.length - 1] : null;

  // Dygraph rows [x, y0, y1, ...] from series {x: [...], y: [...]}: one row per x, null where a series has no point.
  function merge(series) {
    const rows = new Map();
    series.forEach((s, k) => s.x.forEach((x, i) => {
      if (!known(s.y[i])) return;
      if (!rows.has(x)) rows.set(x, [x].concat(series.map(() => null)));
      rows.get(x)[k + 1] = s.y[i];
    }));
    return Array.from(rows.values()).sort((a, b) => a[0] - b[0]);
  }

  // One dygraph of the series that hold a point; a line of text instead when none does.
  function chart(parent, o) {
    const series = o.series.filter((s) => s.y.some(known));
    const box = el(parent, 'div', 'chart');
    if (!series.length) { el(box, 'p', 'empty', o.title + ': nothing logged yet'); return; }
    const plot = el(box, 'div', 'plot');
    const colors = series.map((s, i) => s.color || seriesColors[i % seriesColors.length]);
    const options = {
      labels: [o.xlabel].concat(series.map((s) => s.label)), colors: colors, title: o.title,
      xlabel: o.xlabel, ylabel: o.ylabel, strokeWidth: 2, connectSeparatedPoints: true,
      legend: 'always', labelsDiv: el(box, 'div', 'legend'), series: {},
      axes: {y: {axisLabelWidth: 60, axisLabelFormatter: (v) => String(+v.toPrecision(3))}},
    };
    series.forEach((s) => {
      options.series[s.label] = {drawPoints: !!s.points, pointSize: 3, stepPlot: !!s.step, fillGraph: !!s.fill,
                                 strokePattern: s.dashed ? Dygraph.DASHED_LINE : null};
    });
    if (o.valueRange) options.valueRange = o.valueRange;
    if (o.logscale) options.logscale = true;
    new Dygraph(plot, merge(series), options);
    charts.push({div: plot, colors: colors});
  }

  // The epochs a run has reached (a step inside epoch k counts as k).
  function epochsReached(run) {
    return Math.max(1, d3.max(run.epochs.epoch) || 0, Math.ceil(d3.max(run.steps.epoch) || 0));
  }

  // QAT's freezing as step series: 1 from the epoch a part freezes on (freeze_* is a 0-based epoch).
  function qatSeries(run, axis) {
    const n = epochsReached(run), q = run.qat, e = run.epochs;
    const xs = d3.range(n + 1).map((k) => {
      if (axis === 'epoch' || k === 0) return k;
      const at = e.epoch.indexOf(k);
      return at >= 0 ? e.global_step[at] : k * run.steps_per_epoch;
    });
    const frozen = (from) => xs.map((x, k) => (from >= 0 && Math.min(k, n - 1) >= from) ? 1 : 0);
    return [
      {label: 'BN frozen (1 = yes)', x: xs, y: frozen(q.freeze_bn_epoch), step: true, fill: true},
      {label: 'observers frozen (1 = yes)', x: xs, y: frozen(q.freeze_observer_epoch), step: true, dashed: true},
    ];
  }

  function describe(run) {
    const m = run.model, c = run.costs;
    const parts = [m.name + ' ×' + m.width + ' at ' + m.resolution + ' px, ' + m.num_classes + ' classes',
                   (c.params / 1e6).toFixed(3) + ' M parameters', (c.macs / 1e6).toFixed(2) + ' M Mult-Adds'];
    if (known(c.latency_ms)) parts.push(c.latency_ms.toFixed(2) + ' ms batch-1 latency');
    parts.push('epoch ' + (d3.max(run.epochs.epoch) || 0) + ' of ' + run.epochs_planned + ' done');
    if (known(run.test_top1)) parts.push('test top-1 ' + fixed(run.test_top1, 2) + '% (best ' + fixed(run.best_top1, 2) + '%)');
    const lines = [parts.join(' · '), 'folder: ' + run.folder];
    const d = run.distill, q = run.qat;
    if (d) {
      lines.push('Distilled from ' + d.teacher + ' ×' + d.teacher_width + ': temperature ' + d.temperature + ', alpha ' +
                 d.alpha + (d.features.length ? ', beta ' + d.beta + ', features ' + d.features.join(', ') : ''));
    }
    if (q) {
      const from = (k) => k >= 0 ? 'from epoch ' + (k + 1) : 'never';
      lines.push('QAT: ' + q.weight_bits + '-bit weights (' + (q.per_channel ? 'per channel' : 'per tensor') + ', ' +
                 (q.lsq ? 'learned scales' : 'observed scales') + '), ' + q.activation_bits + '-bit activations; ' +
                 'BN frozen ' + from(q.freeze_bn_epoch) + ', observers frozen ' + from(q.freeze_observer_epoch));
    }
    return lines;
  }

  function runSection(run) {
    const section = el(root, 'section', 'run');
    el(section, 'h2', null, run.name);
    describe(run).forEach((line) => el(section, 'p', 'meta', line));
    const s = run.steps, e = run.epochs;
    const grid = el(section, 'div', 'grid');
    ['global step', 'epoch'].forEach((xlabel) => el(grid, 'h3', null, 'against ' + xlabel));
    const metrics = [
      {title: 'loss', ylabel: 'loss (log scale)', logscale: true, series: (sx, ex) => [
        {label: 'train loss (logged steps)', x: sx, y: s.loss},
        {label: 'train loss (epoch mean)', x: ex, y: e.train_loss, points: true},
        {label: 'test loss', x: ex, y: e.test_loss, points: true}]},
      {title: 'top-1', ylabel: 'top-1 (%)', series: (sx, ex) => [
        {label: 'train top-1 (epoch so far)', x: sx, y: s.train_top1},
        {label: 'train top-1 (epoch)', x: ex, y: e.train_top1, points: true},
        {label: 'test top-1', x: ex, y: e.test_top1, points: true}]},
      {title: 'learning rate', ylabel: 'learning rate', series: (sx) => [{label: 'learning rate', x: sx, y: s.lr}]},
    ];
    if (run.distill) {
      metrics.push({title: 'distillation terms', ylabel: 'loss (log scale)', logscale: true, series: (sx) => [{label: 'total loss', x: sx, y: s.loss}]
        .concat(Object.keys(s.terms).map((name) => ({label: name, x: sx, y: s.terms[name]})))});
    }
    if (run.qat) {
      metrics.push({title: 'QAT phases', ylabel: 'frozen', valueRange: [-0.1, 1.2],
                    series: (sx, ex, axis) => qatSeries(run, axis)});
    }
    metrics.forEach((m) => {
      const common = {ylabel: m.ylabel, valueRange: m.valueRange, logscale: m.logscale};
      chart(grid, Object.assign({title: m.title + ' by step', xlabel: 'global step',
                                 series: m.series(s.global_step, e.global_step, 'step')}, common));
      chart(grid, Object.assign({title: m.title + ' by epoch', xlabel: 'epoch',
                                 series: m.series(s.epoch, e.epoch, 'epoch')}, common));
    });
  }

  // Top-1 against one cost, one circle a run that has both; log x, ticks in tickFormat.
  function scatter(parent, runs, cost, xlabel, tickFormat) {
    const points = runs.map((run, i) => ({name: run.name, color: runColors[i % 10], x: cost(run), y: run.test_top1}))
                       .filter((p) => known(p.x) && p.x > 0 && known(p.y));
    if (!points.length) return;
    circlesExpected += points.length;
    const margin = {top: 30, right: 30, bottom: 45, left: 60}, width = 400, height = 260;
    const svg = d3.select(parent).append('svg').attr('class', 'scatter')
                  .attr('width', width + margin.left + margin.right).attr('height', height + margin.top + margin.bottom)
                  .append('g').attr('transform', 'translate(' + margin.left + ',' + margin.top + ')');
    const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
    const x = d3.scale.log().domain([d3.min(xs) / 1.6, d3.max(xs) * 1.6]).range([0, width]);
    const y = d3.scale.linear().domain([d3.min(ys) - 1, d3.max(ys) + 1]).nice().range([height, 0]);
    svg.append('g').attr('class', 'axis').attr('transform', 'translate(0,' + height + ')')
       .call(d3.svg.axis().scale(x).orient('bottom').ticks(5, tickFormat));
    svg.append('g').attr('class', 'axis').call(d3.svg.axis().scale(y).orient('left').ticks(6));
    svg.append('text').attr('class', 'axis-label').attr('x', width / 2).attr('y', height + 38)
       .style('text-anchor', 'middle').text(xlabel + ' (log scale)');
    svg.append('text').attr('class', 'axis-label').attr('transform', 'rotate(-90)').attr('x', -height / 2)
       .attr('y', -45).style('text-anchor', 'middle').text('test top-1 (%)');
    svg.append('text').attr('class', 'title').attr('x', width / 2).attr('y', -12).style('text-anchor', 'middle')
       .text('test top-1 against ' + xlabel);
    svg.selectAll('circle.point').data(points).enter().append('circle').attr('class', 'point')
       .attr('cx', (p) => x(p.x)).attr('cy', (p) => y(p.y)).attr('r', 6).style('fill', (p) => p.color)
       .append('title').text((p) => p.name + ': ' + p.y.toFixed(2) + '% at ' + d3.format(tickFormat)(p.x));
    svg.selectAll('text.point-label').data(points).enter().append('text').attr('class', 'point-label')
       .attr('x', (p) => x(p.x) + 9).attr('y', (p) => y(p.y) + 4).text((p) => p.name);
  }

  function scorecard(runs) {
    const section = el(root, 'section', 'scorecard');
    el(section, 'h2', null, 'Scorecard');
    const columns = [
      ['run', (r) => r.name], ['model', (r) => r.model.name + ' ×' + r.model.width],
      ['resolution', (r) => r.model.resolution + ' px'], ['parameters (M)', (r) => (r.costs.params / 1e6).toFixed(3)],
      ['Mult-Adds (M)', (r) => (r.costs.macs / 1e6).toFixed(2)], ['latency (ms)', (r) => fixed(r.costs.latency_ms, 2)],
      ['test top-1 (%)', (r) => fixed(r.test_top1, 2)], ['best top-1 (%)', (r) => fixed(r.best_top1, 2)],
      ['epochs', (r) => (d3.max(r.epochs.epoch) || 0) + ' / ' + r.epochs_planned],
      ['training (s)', (r) => r.summary ? fixed(r.summary.train_seconds, 0) : '–'],
    ];
    const table = d3.select(section).append('table');
    table.append('thead').append('tr').selectAll('th').data(columns).enter().append('th').text((c) => c[0]);
    table.append('tbody').selectAll('tr').data(runs).enter().append('tr')
         .selectAll('td').data((r) => columns.map((c) => c[1](r))).enter().append('td').text((v) => v);
    if (runs.length < 2) return;
    const plots = el(section, 'div', 'scatters');
    scatter(plots, runs, (r) => r.costs.macs, 'Mult-Adds', '.2s');
    scatter(plots, runs, (r) => r.costs.params, 'parameters', '.2s');
    scatter(plots, runs, (r) => r.costs.latency_ms, 'batch-1 latency (ms)', '.2r');
    chart(section, {title: 'test top-1 of every run by epoch', xlabel: 'epoch', ylabel: 'test top-1 (%)',
                    series: runs.map((r, i) => ({label: r.name, x: r.epochs.epoch, y: r.epochs.test_top1,
                                                 points: true, color: runColors[i % 10]}))});
  }

  // Pixels of the chart's series colours on its canvases: lines and points, not axes or grid.
  function seriesPixels(div, colors) {
    const rgb = colors.map((c) => { const v = d3.rgb(c); return [v.r, v.g, v.b]; });
    let count = 0;
    div.querySelectorAll('canvas').forEach((canvas) => {
      if (!canvas.width || !canvas.height) return;
      const px = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height).data;
      for (let i = 0; i < px.length; i += 4) {
        if (px[i + 3] < 200) continue;
        if (rgb.some((c) => Math.abs(px[i] - c[0]) + Math.abs(px[i + 1] - c[1]) + Math.abs(px[i + 2] - c[2]) < 40)) ++count;
      }
    });
    return count;
  }

  function selfcheck() {
    const check = document.getElementById('selfcheck');
    check.setAttribute('data-charts', charts.length);
    check.setAttribute('data-charts-drawn', charts.filter((c) => seriesPixels(c.div, c.colors) >= 20).length);
    check.setAttribute('data-circles', document.querySelectorAll('svg circle.point').length);
    check.setAttribute('data-circles-expected', circlesExpected);
    check.setAttribute('data-errors', window.minnowErrors.length);
    check.setAttribute('data-error-text', window.minnowErrors.join(' | '));
    check.setAttribute('data-done', 'true');
  }

  try {
    scorecard(report.runs);
    report.runs.forEach(runSection);
  } catch (err) {
    window.minnowNoteError(err && err.stack ? err.stack : err);
  } finally {
    selfcheck();
  }
})();
)js";

const std::string_view kPageStyle = R"css(
body { font-family: sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; }
h2 { font-size: 18px; margin-top: 32px; border-bottom: 1px solid #ccc; }
h3 { font-size: 14px; color: #555; margin: 8px 0 0; }
p.meta { margin: 4px 0; font-size: 13px; }
p.empty { color: #888; font-style: italic; }
.grid { display: grid; grid-template-columns: 1fr 1fr; gap: 8px 24px; }
.chart { min-width: 0; }
.plot { width: 100%; height: 240px; }
.legend { font-size: 12px; min-height: 18px; }
.dygraph-title { font-size: 15px; }
.dygraph-label { font-size: 13px; }
.scorecard .chart { max-width: 900px; }
table { border-collapse: collapse; font-size: 13px; margin: 8px 0 16px; }
th, td { border: 1px solid #ccc; padding: 3px 8px; text-align: right; }
th:first-child, td:first-child, th:nth-child(2), td:nth-child(2) { text-align: left; }
.scatters { display: flex; flex-wrap: wrap; gap: 16px; }
svg.scatter { font-size: 11px; }
svg.scatter .axis path, svg.scatter .axis line { fill: none; stroke: #444; shape-rendering: crispEdges; }
svg.scatter .title { font-size: 13px; font-weight: bold; }
svg.scatter circle.point { stroke: #222; stroke-width: 1px; }
)css";

}  // namespace minnow::report
