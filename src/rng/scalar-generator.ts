/**
 * The reference path's LaneGenerator: plain TypeScript, one stream per lane, each method a loop
 * over the active lanes calling the scalar samplers of ./distributions. It defines what every
 * other generator must reproduce.
 */
import { BernoulliDecisions, bernoulliCount, bernoulliThreshold } from './distributions/bernoulli.js';
import { binomial } from './distributions/binomial.js';
import { categorical } from './distributions/categorical.js';
import { exponential } from './distributions/exponential.js';
import { gamma } from './distributions/gamma.js';
import { multinomial } from './distributions/multinomial.js';
import { normal } from './distributions/normal.js';
import { poisson } from './distributions/poisson.js';
import { openStream, type AddressableStream, type RandomnessSpec, type StreamTag } from './streams.js';
import type { Column, LaneGenerator } from './lanes.js';

/** One lane: its stream and the scalar samplers bound to it. */
class Lane {
  chain = 0;
  readonly decisions: BernoulliDecisions;
  readonly bernoulliCount: (n: number, p: number) => number;
  readonly binomial: (n: number, p: number) => number;
  readonly poisson: (mean: number) => number;
  readonly exponential: () => number;
  readonly normal: () => number;
  readonly gamma: (shape: number) => number;
  readonly categorical: (cumulative: ArrayLike<number>, length: number, offset?: number) => number;
  readonly multinomial: (n: number, weights: ArrayLike<number>, length: number, counts: Float64Array) => void;

  constructor(readonly stream: AddressableStream) {
    this.decisions = new BernoulliDecisions(stream);
    this.bernoulliCount = bernoulliCount(stream);
    this.binomial = binomial(stream);
    this.poisson = poisson(stream);
    this.exponential = exponential(stream);
    this.normal = normal(stream);
    this.gamma = gamma(stream);
    this.categorical = categorical(stream);
    this.multinomial = multinomial(stream);
  }
}

const at = (c: Column, lane: number): number => c.offset + lane * c.stride;

export class ScalarGenerator implements LaneGenerator {
  readonly active: Uint32Array;
  activeCount = 0;
  private readonly lanes: Lane[];

  constructor(
    randomness: RandomnessSpec,
    readonly capacity = 1,
  ) {
    this.lanes = Array.from({ length: capacity }, () => new Lane(openStream(randomness)));
    this.active = new Uint32Array(capacity);
  }

  assign(lane: number, chain: number): void {
    this.lanes[lane].chain = chain;
  }

  open(generation: number, tag: StreamTag): void {
    for (let k = 0; k < this.activeCount; k++) {
      const lane = this.lanes[this.active[k]];
      lane.stream.reset(lane.chain, generation, tag);
    }
  }

  allocate(floats: number): Float64Array {
    return new Float64Array(floats);
  }

  uniforms(per: number, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      for (let i = 0; i < per; i++) out.data[at(out, l) + i] = lane.stream.nextU24();
    }
  }

  bernoulliCounts(n: number, p: Column, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      out.data[at(out, l)] = lane.bernoulliCount(n, p.data[at(p, l)]);
    }
  }

  spinMoments(samples: number, spins: number, p: Column, sum: Column, squares: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      // One run of decisions: spin k of sample s is decision s·spins + k.
      const threshold = bernoulliThreshold(p.data[at(p, l)]);
      lane.decisions.start();
      let sumM = 0;
      let sumSquares = 0;
      for (let sample = 0; sample < samples; sample++) {
        let up = 0;
        for (let spin = 0; spin < spins; spin++) if (lane.decisions.next(threshold)) up++;
        const m = 2 * up - spins;
        sumM += m;
        sumSquares += m * m;
      }
      sum.data[at(sum, l)] = sumM;
      squares.data[at(squares, l)] = sumSquares;
    }
  }

  coupledSpinMoments(samples: number, spins: number, table: Column, sum: Column, squares: Column): void {
    const levels = spins + 1;
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const row = at(table, l);
      lane.decisions.start();
      let sumM = 0;
      let sumSquares = 0;
      for (let sample = 0; sample < samples; sample++) {
        let up = 0;
        for (let i = 0; i < spins; i++) {
          if (lane.decisions.next(bernoulliThreshold(table.data[row + i * levels + up]))) up++;
        }
        const m = 2 * up - spins;
        sumM += m;
        sumSquares += m * m;
      }
      sum.data[at(sum, l)] = sumM;
      squares.data[at(squares, l)] = sumSquares;
    }
  }

  binomials(n: Column, p: Column, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      out.data[at(out, l)] = lane.binomial(n.data[at(n, l)], p.data[at(p, l)]);
    }
  }

  poissons(mean: Column, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      out.data[at(out, l)] = lane.poisson(mean.data[at(mean, l)]);
    }
  }

  poissonSums(n: number, mean: Column, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const value = mean.data[at(mean, l)];
      let total = 0;
      for (let i = 0; i < n; i++) total += lane.poisson(value);
      out.data[at(out, l)] = total;
    }
  }

  exponentialSums(n: number, scale: Column, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const value = scale.data[at(scale, l)];
      let total = 0;
      for (let i = 0; i < n; i++) total += value * lane.exponential();
      out.data[at(out, l)] = total;
    }
  }

  normals(out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      out.data[at(out, l)] = lane.normal();
    }
  }

  normalMoments(n: number, mu: Column, variance: Column, mean: Column, m2: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const centre = mu.data[at(mu, l)];
      const sigma = Math.sqrt(variance.data[at(variance, l)]);
      // Welford's running mean and M2 over the points, one by one.
      let running = 0;
      let sumSquares = 0;
      for (let i = 0; i < n; i++) {
        const x = centre + sigma * lane.normal();
        const delta = x - running;
        running += delta / (i + 1);
        sumSquares += delta * (x - running);
      }
      mean.data[at(mean, l)] = running;
      m2.data[at(m2, l)] = sumSquares;
    }
  }

  gammas(shape: number, out: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      out.data[at(out, l)] = lane.gamma(shape);
    }
  }

  categoricalCounts(n: number, cumulative: Column, length: number, counts: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const row = cumulative.data.subarray(at(cumulative, l), at(cumulative, l) + length);
      const start = at(counts, l);
      counts.data.fill(0, start, start + length);
      for (let i = 0; i < n; i++) counts.data[start + lane.categorical(row, length)]++;
    }
  }

  multinomials(n: Column, weights: Column, length: number, counts: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const row = weights.data.subarray(at(weights, l), at(weights, l) + length);
      lane.multinomial(n.data[at(n, l)], row, length, counts.data.subarray(at(counts, l), at(counts, l) + length));
    }
  }

  markovPathCounts(paths: number, length: number, start: Column, rows: Column, states: number, starts: Column, transitions: Column): void {
    for (let k = 0; k < this.activeCount; k++) {
      const l = this.active[k];
      const lane = this.lanes[l];
      const startAt = at(start, l);
      const rowsAt = at(rows, l);
      const startsAt = at(starts, l);
      const transitionsAt = at(transitions, l);
      starts.data.fill(0, startsAt, startsAt + states);
      transitions.data.fill(0, transitionsAt, transitionsAt + states * states);
      for (let path = 0; path < paths; path++) {
        let token = lane.categorical(start.data, states, startAt);
        starts.data[startsAt + token]++;
        for (let position = 1; position < length; position++) {
          const next = lane.categorical(rows.data, states, rowsAt + token * states);
          transitions.data[transitionsAt + token * states + next]++;
          token = next;
        }
      }
    }
  }
}
