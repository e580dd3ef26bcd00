// Gradient check: two hidden layers (tanh, relu), softmax output.
net.model @grad_deep {
  %x = net.input_data shape [?, 3]
  %h1 = net.fully_connected %x units 6 activation tanh
  %h2 = net.fully_connected %h1 units 5 activation relu
  %y = net.fully_connected %h2 units 3 activation softmax
  net.regression %y optimizer sgd learning_rate 0.1 loss categorical_crossentropy
}
