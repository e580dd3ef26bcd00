// TFLearn's categorical_crossentropy on sigmoid outputs (not fused): each
// row divided by its sum, clipped to [1e-10, 1 - 1e-10], then -sum t log q.
net.model @sigmoid_cce_momentum {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 3 activation sigmoid
  net.regression %y optimizer momentum learning_rate 0.5 loss categorical_crossentropy
}
