// Gradient check: categorical cross-entropy on a prediction that is not a
// softmax (3 sigmoid units): -sum t log p with p clamped, not fused.
net.model @grad_sigmoid_cce {
  %x = net.input_data shape [?, 4]
  %y = net.fully_connected %x units 3 activation sigmoid
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy
}
