// Batch normalization right after the input, trained by adagrad
// (BatchNormTest.cpp).
net.model @bn_input_adagrad {
  %x = net.input_data shape [?, 2, 2, 3]
  %n = net.batch_normalization %x
  %y = net.fully_connected %n units 2
  net.regression %y optimizer adagrad learning_rate 0.01 loss mean_square
}
