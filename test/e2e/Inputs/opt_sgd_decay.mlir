// Optimizer check: SGD with exponential learning-rate decay.
net.model @opt_sgd_decay {
  %x = net.input_data shape [?, 3]
  %h = net.fully_connected %x units 4 activation tanh
  %y = net.fully_connected %h units 2
  net.regression %y optimizer sgd learning_rate 0.5 loss mean_square lr_decay 0.5 decay_step 2
}
