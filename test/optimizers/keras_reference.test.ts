// Every optimizer's first three steps against Keras 3's update rules run in NumPy float32 by
// test/optimizers/reference_values.py (the literals below are its output, pasted unchanged;
// rerun `python3 test/optimizers/reference_values.py` to regenerate). The script is a separate,
// independent transcription of keras/src/optimizers/*.py; float32 there vs float64 intermediates
// here differ by a few ulps, hence the 2e-6 relative tolerance.
//
// Start: w = [1, -2, 3]. Gradients: [0.5, -1, 0.25], then [0.4, -0.6, -0.3], then [-0.2, 0.9, 0.05].

import { describe, it } from 'vitest';
import * as tk from '../../src/index.js';
import { expectClose } from '../helpers/index.js';

const KERAS_REFERENCE: Record<string, number[][]> = {
  'SGD {learningRate: 0.1}': [
    [0.949999988079071, -1.899999976158142, 2.9749999046325684],
    [0.9099999666213989, -1.8399999141693115, 3.004999876022339],
    [0.9299999475479126, -1.9299999475479126, 2.999999761581421],
  ],
  'SGD {learningRate: 0.1, momentum: 0.9}': [
    [0.949999988079071, -1.899999976158142, 2.9749999046325684],
    [0.8650000095367432, -1.75, 2.982499837875366],
    [0.8084999918937683, -1.7050000429153442, 2.9842498302459717],
  ],
  'SGD {learningRate: 0.1, momentum: 0.9, nesterov: true}': [
    [0.9049999713897705, -1.809999942779541, 2.952500104904175],
    [0.7884999513626099, -1.6149998903274536, 2.9892501831054688],
    [0.7576499581336975, -1.6644998788833618, 2.985825300216675],
  ],
  'Adam {learningRate: 0.01}': [
    [0.9900001287460327, -1.9900001287460327, 2.9900002479553223],
    [0.980118989944458, -1.9804253578186035, 2.991429567337036],
    [0.9747346639633179, -1.9784728288650513, 2.991713762283325],
  ],
  'Adam {learningRate: 0.01, beta2: 0.5}': [
    [0.9900000095367432, -1.9900000095367432, 2.990000009536743],
    [0.9797366857528687, -1.9795736074447632, 2.9913883209228516],
    [0.973280668258667, -1.9776009321212769, 2.9917283058166504],
  ],
  'Adam {learningRate: 0.01, beta2: 0.5, amsgrad: true}': [
    [0.9900000095367432, -1.9900000095367432, 2.990000009536743],
    [0.9797366857528687, -1.9803309440612793, 2.9913883209228516],
    [0.9745704531669617, -1.978358268737793, 2.991633653640747],
  ],
  'AdamW {learningRate: 0.01, weightDecay: 0.1}': [
    [0.989000141620636, -1.9880001544952393, 2.9870002269744873],
    [0.9781299829483032, -1.9764373302459717, 2.985442638397217],
    [0.9717675447463989, -1.9725083112716675, 2.982741355895996],
  ],
  'Adadelta {learningRate: 1.0}': [
    [0.9985858201980591, -1.998585820198059, 2.9985857009887695],
    [0.9973169565200806, -1.99753737449646, 3.0001380443573],
    [0.998043417930603, -1.9989413022994995, 2.999807596206665],
  ],
  'RMSprop {learningRate: 0.01}': [
    [0.9683772921562195, -1.9683772325515747, 2.9683775901794434],
    [0.9479914307594299, -1.9514741897583008, 2.9931845664978027],
    [0.9581645727157593, -1.9718866348266602, 2.9888672828674316],
  ],
  'RMSprop {learningRate: 0.01, momentum: 0.5, centered: true}': [
    [0.9666667580604553, -1.9666666984558105, 2.9666669368743896],
    [0.9273818135261536, -1.9313499927520752, 2.9748551845550537],
    [0.9183605313301086, -1.9342111349105835, 2.9746315479278564],
  ],
  'Adagrad {learningRate: 0.1}': [
    [0.915484607219696, -1.904653787612915, 2.9379825592041016],
    [0.8594734072685242, -1.8549973964691162, 2.9976847171783447],
    [0.8864414095878601, -1.9147324562072754, 2.987783193588257],
  ],
  'Adamax {learningRate: 0.02}': [
    [0.9800000190734863, -1.9800000190734863, 2.9800000190734863],
    [0.9620873928070068, -1.9641947746276855, 2.9826316833496094],
    [0.9537312388420105, -1.9608670473098755, 2.983062505722046],
  ],
  'Nadam {learningRate: 0.01}': [
    [0.989372193813324, -1.9893721342086792, 2.9893722534179688],
    [0.9824249744415283, -1.9834954738616943, 2.9967610836029053],
    [0.9845259785652161, -1.9891539812088013, 2.9955666065216064],
  ],
};

const W0 = [1, -2, 3];
const GRADS = [[0.5, -1, 0.25], [0.4, -0.6, -0.3], [-0.2, 0.9, 0.05]];

const O = tk.optimizers;
const FACTORIES: Record<string, () => tk.optimizers.Optimizer> = {
  'SGD {learningRate: 0.1}': () => new O.SGD({ learningRate: 0.1 }),
  'SGD {learningRate: 0.1, momentum: 0.9}': () => new O.SGD({ learningRate: 0.1, momentum: 0.9 }),
  'SGD {learningRate: 0.1, momentum: 0.9, nesterov: true}': () => new O.SGD({ learningRate: 0.1, momentum: 0.9, nesterov: true }),
  'Adam {learningRate: 0.01}': () => new O.Adam({ learningRate: 0.01 }),
  'Adam {learningRate: 0.01, beta2: 0.5}': () => new O.Adam({ learningRate: 0.01, beta2: 0.5 }),
  'Adam {learningRate: 0.01, beta2: 0.5, amsgrad: true}': () => new O.Adam({ learningRate: 0.01, beta2: 0.5, amsgrad: true }),
  'AdamW {learningRate: 0.01, weightDecay: 0.1}': () => new O.AdamW({ learningRate: 0.01, weightDecay: 0.1 }),
  'Adadelta {learningRate: 1.0}': () => new O.Adadelta({ learningRate: 1.0 }),
  'RMSprop {learningRate: 0.01}': () => new O.RMSprop({ learningRate: 0.01 }),
  'RMSprop {learningRate: 0.01, momentum: 0.5, centered: true}': () => new O.RMSprop({ learningRate: 0.01, momentum: 0.5, centered: true }),
  'Adagrad {learningRate: 0.1}': () => new O.Adagrad({ learningRate: 0.1 }),
  'Adamax {learningRate: 0.02}': () => new O.Adamax({ learningRate: 0.02 }),
  'Nadam {learningRate: 0.01}': () => new O.Nadam({ learningRate: 0.01 }),
};

describe('optimizers: three steps against Keras 3 rules run in NumPy float32 (reference_values.py)', () => {
  for (const [name, expected] of Object.entries(KERAS_REFERENCE)) {
    it(name, () => {
      const opt = FACTORIES[name]!();
      const w = tk.variable(tk.tensor(W0), { name: 'w' });
      for (let step = 0; step < 3; step++) {
        opt.applyGradients([[tk.tensor(GRADS[step]!), w]]);
        expectClose(w.data, expected[step]!, { rtol: 2e-6, atol: 1e-7 });
      }
    });
  }
});
