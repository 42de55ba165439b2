/**
 * Two small SVG charts, no library: a streaming line chart (a fixed window of points, the y axis from 0
 * to the window's maximum) and an order book depth chart (cumulative quantity by price, bids left,
 * asks right). Each keeps its SVG nodes and rewrites only their attributes.
 */
const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 400;
const HEIGHT = 120;
export const COLOURS = ['#4fb3ff', '#f2cc60', '#f85149', '#3fb950', '#bc8cff', '#ff9e64'];

function svgElement<K extends keyof SVGElementTagNameMap>(name: K, attributes: Record<string, string>): SVGElementTagNameMap[K] {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attributes)) node.setAttribute(k, v);
  return node;
}

export class LineChart {
  readonly root: HTMLElement;
  private readonly paths: SVGPathElement[];
  private readonly maxLabel: SVGTextElement;
  private readonly legendValues: HTMLElement[];
  private readonly points: (number | null)[][];
  private readonly times: number[] = [];

  /** `minTop`: the y axis reaches at least this (a near-empty ring stays a flat line, not noise). */
  constructor(
    title: string, readonly seriesNames: readonly string[], private readonly capacity: number,
    private readonly format: (v: number) => string, id: string, private readonly minTop = 0,
  ) {
    this.root = document.createElement('div');
    this.root.className = 'chart';
    this.root.dataset.chart = id;
    const heading = document.createElement('h2');
    heading.textContent = title;
    const svg = svgElement('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': title });
    for (let i = 1; i < 4; i++) svg.appendChild(svgElement('line', { x1: '0', x2: String(WIDTH), y1: String((HEIGHT * i) / 4), y2: String((HEIGHT * i) / 4), stroke: '#2b3640', 'stroke-width': '1' }));
    this.paths = seriesNames.map((_n, i) => {
      const path = svgElement('path', { fill: 'none', stroke: COLOURS[i % COLOURS.length], 'stroke-width': '1.5', 'vector-effect': 'non-scaling-stroke', d: '' });
      svg.appendChild(path);
      return path;
    });
    this.maxLabel = svgElement('text', { x: '4', y: '12', fill: '#8b98a5', 'font-size': '11' });
    svg.appendChild(this.maxLabel);
    const legend = document.createElement('div');
    legend.className = 'legend';
    this.legendValues = seriesNames.map((name, i) => {
      const item = document.createElement('span');
      const swatch = document.createElement('i');
      swatch.style.background = COLOURS[i % COLOURS.length];
      const value = document.createElement('b');
      value.dataset.series = name;
      item.append(swatch, `${name} `, value);
      legend.appendChild(item);
      return value;
    });
    this.points = seriesNames.map(() => []);
    this.root.append(heading, svg, legend);
  }

  /** Adds one point per series (null = no value: a gap) and redraws. */
  push(atMs: number, values: readonly (number | null)[]): void {
    this.times.push(atMs);
    values.forEach((v, i) => this.points[i]?.push(v === null || !Number.isFinite(v) ? null : v));
    if (this.times.length > this.capacity) {
      this.times.shift();
      for (const p of this.points) p.shift();
    }
    this.draw();
    values.forEach((v, i) => {
      const label = this.legendValues[i];
      if (label === undefined) return;
      label.textContent = v === null || !Number.isFinite(v) ? '–' : this.format(v);
      label.dataset.value = v === null ? '' : String(v);
    });
  }

  private draw(): void {
    let max = 0;
    for (const series of this.points) for (const v of series) if (v !== null && v > max) max = v;
    const top = Math.max(max > 0 ? max * 1.1 : 1, this.minTop);
    const step = WIDTH / Math.max(1, this.capacity - 1);
    const offset = this.capacity - this.times.length;
    this.points.forEach((series, s) => {
      let d = '';
      let pen = false;
      series.forEach((v, i) => {
        if (v === null) {
          pen = false;
          return;
        }
        const x = ((offset + i) * step).toFixed(1);
        const y = (HEIGHT - (v / top) * (HEIGHT - 2)).toFixed(1);
        d += `${pen ? 'L' : 'M'}${x} ${y}`;
        pen = true;
      });
      this.paths[s].setAttribute('d', d);
    });
    this.maxLabel.textContent = max > 0 ? `max ${this.format(max)}` : '';
  }
}

/** Cumulative depth: bids (best first) step down to the left, asks step up to the right. */
export class DepthChart {
  readonly svg: SVGSVGElement;
  private readonly bidPath: SVGPathElement;
  private readonly askPath: SVGPathElement;
  private readonly midLabel: SVGTextElement;

  constructor(label: string) {
    this.svg = svgElement('svg', { viewBox: `0 0 ${WIDTH} ${HEIGHT}`, preserveAspectRatio: 'none', role: 'img', 'aria-label': label });
    this.bidPath = svgElement('path', { fill: 'rgba(63,185,80,.35)', stroke: '#3fb950', 'vector-effect': 'non-scaling-stroke', d: '' });
    this.askPath = svgElement('path', { fill: 'rgba(248,81,73,.35)', stroke: '#f85149', 'vector-effect': 'non-scaling-stroke', d: '' });
    this.midLabel = svgElement('text', { x: String(WIDTH / 2), y: '12', fill: '#8b98a5', 'font-size': '11', 'text-anchor': 'middle' });
    this.svg.append(this.bidPath, this.askPath, this.midLabel);
  }

  draw(bids: readonly (readonly [number, number])[], asks: readonly (readonly [number, number])[]): void {
    const prices = [...bids.map((l) => l[0]), ...asks.map((l) => l[0])];
    if (prices.length === 0) {
      this.bidPath.setAttribute('d', '');
      this.askPath.setAttribute('d', '');
      this.midLabel.textContent = 'empty book';
      return;
    }
    const low = Math.min(...prices);
    const high = Math.max(...prices);
    const span = high - low || 1;
    const x = (p: number): number => 10 + ((p - low) / span) * (WIDTH - 20);
    const total = Math.max(bids.reduce((a, l) => a + l[1], 0), asks.reduce((a, l) => a + l[1], 0), 1);
    const y = (q: number): number => HEIGHT - (q / total) * (HEIGHT - 16);
    const side = (levels: readonly (readonly [number, number])[], toward: number): string => {
      if (levels.length === 0) return '';
      let cumulative = 0;
      let d = `M${x(levels[0][0]).toFixed(1)} ${HEIGHT}`;
      for (const [price, quantity] of levels) {
        d += `L${x(price).toFixed(1)} ${y(cumulative).toFixed(1)}`;
        cumulative += quantity;
        d += `L${x(price).toFixed(1)} ${y(cumulative).toFixed(1)}`;
      }
      d += `L${toward.toFixed(1)} ${y(cumulative).toFixed(1)}L${toward.toFixed(1)} ${HEIGHT}Z`;
      return d;
    };
    this.bidPath.setAttribute('d', side(bids, 0));
    this.askPath.setAttribute('d', side(asks, WIDTH));
    this.midLabel.textContent = bids.length > 0 && asks.length > 0 ? `spread ${asks[0][0] - bids[0][0]}` : '';
  }
}
