// The XOR gate, the TFLearn tutorial's exercise: not linearly separable, so
// it needs a hidden layer. TFLearn's default initialisation (truncated
// normal, stddev 0.02) starts too close to the saddle at zero; like
// TFLearn's own logical.py example, initialise uniformly in [-1, 1]. With 4
// tanh units every seed tried (0-39) learns it within 200 epochs; 2 units
// get stuck in a local minimum for about a third of the seeds.
//
//   dlc compile examples/xor.mlir -o xor.so
//   dlc train xor.so --data examples/xor.csv --epochs 2000 --batch-size 4
net.model @xor_gate {
  %x = net.input_data shape [?, 2]
  %h = net.fully_connected %x units 4 activation tanh weights_init uniform init_range [-1.0, 1.0]
  %y = net.fully_connected %h units 1 activation sigmoid weights_init uniform init_range [-1.0, 1.0]
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
