// The tutorial's CIFAR-10 network with dropout (examples/cifar10/
// cnn_dropout.mlir) on Fashion-MNIST's 28x28 grey images: the same layers,
// three conv layers in two conv/pool stages (28 -> 14 -> 7), a 512-unit
// layer, dropout (keep 0.5), softmax. Fashion-MNIST is Debian's
// dataset-fashion-mnist (/usr/share/datasets/fashion-mnist).
//
//   dlc compile examples/fashion_mnist/cnn.mlir -o fashion_cnn.so
//   dlc train fashion_cnn.so --data fashion-mnist --validation test \
//     --epochs 10 --batch-size 96
net.model @fashion_cnn {
  %x  = net.input_data shape [?, 28, 28, 1]
  %c1 = net.conv_2d %x filters 32 size 3 activation relu
  %p1 = net.max_pool_2d %c1 size 2
  %c2 = net.conv_2d %p1 filters 64 size 3 activation relu
  %c3 = net.conv_2d %c2 filters 64 size 3 activation relu
  %p2 = net.max_pool_2d %c3 size 2
  %f1 = net.fully_connected %p2 units 512 activation relu
  %d1 = net.dropout %f1 keep 0.5
  %f2 = net.fully_connected %d1 units 10 activation softmax
  net.regression %f2 optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
