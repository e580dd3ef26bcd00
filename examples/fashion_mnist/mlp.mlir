// A multilayer perceptron on Fashion-MNIST: the 28x28 grey image flattened
// to 784 values (fully_connected flattens its [?, 28, 28, 1] input), a
// 512-unit relu layer, dropout (keep 0.5), softmax over the 10 classes;
// Adam with learning rate 0.001, categorical cross-entropy. Fashion-MNIST is
// Debian's dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
//
//   dlc compile examples/fashion_mnist/mlp.mlir -o fashion_mlp.so
//   dlc train fashion_mlp.so --data fashion-mnist --validation test \
//     --epochs 10 --batch-size 128
net.model @fashion_mlp {
  %x  = net.input_data shape [?, 28, 28, 1]
  %h  = net.fully_connected %x units 512 activation relu
  %d  = net.dropout %h keep 0.5
  %y  = net.fully_connected %d units 10 activation softmax
  net.regression %y optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
