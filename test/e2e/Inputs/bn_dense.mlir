// Batch normalization between two dense layers (BatchNormTest.cpp).
net.model @bn_dense {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4
  %n = net.batch_normalization %h
  %y = net.fully_connected %n units 2 activation tanh
  net.regression %y optimizer sgd learning_rate 0.1 loss mean_square
}
