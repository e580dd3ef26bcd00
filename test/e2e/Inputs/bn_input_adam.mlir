// Batch normalization with TFLearn's defaults right after the input
// (BatchNormTest.cpp).
net.model @bn_input_adam {
  %x = net.input_data shape [?, 2, 2, 3]
  %n = net.batch_normalization %x
  %y = net.fully_connected %n units 2
  net.regression %y optimizer adam learning_rate 0.01 loss mean_square
}
