// sigmoid hidden layer, linear output without bias, mean square, SGD.
net.model @mse_nobias {
  %x = net.input_data shape [?, 4]
  %h = net.fully_connected %x units 3 activation sigmoid
  %y = net.fully_connected %h units 2 bias false
  net.regression %y optimizer sgd learning_rate 0.5 loss mean_square clip_norm 0.0
}
