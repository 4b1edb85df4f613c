export { BernoulliDecisions, bernoulliCount, bernoulliThreshold } from './bernoulli.js';
export { binomial } from './binomial.js';
export { categorical } from './categorical.js';
export { chiSquared } from './chi-squared.js';
export { exponential } from './exponential.js';
export { gamma } from './gamma.js';
export { multinomial } from './multinomial.js';
export { normal } from './normal.js';
export { poisson } from './poisson.js';
