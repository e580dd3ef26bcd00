// The NOT gate of the TFLearn tutorial: 1 input, 1 sigmoid unit, SGD with
// learning rate 2, mean square loss.
//
//   dlc compile examples/not.mlir -o not.so
//   dlc train not.so --data examples/not.csv --epochs 2000 --batch-size 4
net.model @not_gate {
  %x = net.input_data shape [?, 1]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
