// Same model name as examples/or.mlir, another network (a hidden layer): a
// checkpoint of one must not load into the other (the fingerprint differs).
net.model @or_gate {
  %x = net.input_data shape [?, 2]
  %h = net.fully_connected %x units 2 activation tanh
  %y = net.fully_connected %h units 1 activation sigmoid
  net.regression %y optimizer sgd learning_rate 2.0 loss mean_square
}
