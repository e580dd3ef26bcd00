// The same network with a softmax last layer and categorical_crossentropy.
net.model @loss_probs {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 3 activation softmax
  net.regression %y optimizer sgd learning_rate 0.5 loss categorical_crossentropy
}
