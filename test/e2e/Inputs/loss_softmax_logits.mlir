// softmax_categorical_crossentropy on the logits of a linear last layer.
net.model @loss_logits {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 3
  net.regression %y optimizer sgd learning_rate 0.5 loss softmax_categorical_crossentropy
}
