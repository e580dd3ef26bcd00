// Per-op check: dense layers, softmax and categorical cross-entropy, Adam.
net.model @dense {
  %x = net.input_data shape [?, 784]
  %h = net.fully_connected %x units 256 activation relu
  %y = net.fully_connected %h units 10 activation softmax
  net.regression %y optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
