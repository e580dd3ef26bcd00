// A small tanh MLP trained with TFLearn's nesterov (TensorFlow's update rule).
net.model @mlp_nesterov {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 2 activation softmax
  net.regression %y optimizer nesterov learning_rate 0.1 loss categorical_crossentropy
}
