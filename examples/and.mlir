// The AND gate of the TFLearn tutorial: like OR, 2 inputs, 1 sigmoid unit,
// SGD with learning rate 2, mean square loss.
//
//   dlc compile examples/and.mlir -o and.so
//   dlc train and.so --data examples/and.csv --epochs 2000 --batch-size 4
net.model @and_gate {
  %x = net.input_data shape [?, 2]
  %y = net.fully_connected %x units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
