// TFLearn's MNIST multilayer perceptron shape: 784 -> 512 (relu) -> 10
// (softmax), Adam with learning rate 0.001, categorical cross-entropy.
// bench/run.sh times `dlc compile` on it.
net.model @mnist_mlp {
  %x = net.input_data shape [?, 784]
  %h = net.fully_connected %x units 512 activation relu
  %y = net.fully_connected %h units 10 activation softmax
  net.regression %y optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
