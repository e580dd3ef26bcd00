// The tutorial network (cnn_dropout.mlir) with L2 weight decay (0.001) on
// every conv and fully-connected weight (biases are not decayed).
//
// Data: the CIFAR-10 JPEG folders (train/ and test/) at ../shared/data/cifar10
// from the repository root; TFLearn's featurewise zero-center and std-norm,
// random left-right flips, batch 96, as the tutorial trains it:
//
//   dlc compile examples/cifar10/cnn_l2.mlir -o cnn_l2.so
//   dlc train cnn_l2.so --data imagefolder:../shared/data/cifar10 \
//     --validation test --epochs 20 --batch-size 96 \
//     --preprocess featurewise_zero_center,featurewise_stdnorm \
//     --augment flip_leftright
net.model @cifar_l2 {
  %x  = net.input_data shape [?, 32, 32, 3]
  %c1 = net.conv_2d %x filters 32 size 3 activation relu regularizer L2 weight_decay 0.001
  %p1 = net.max_pool_2d %c1 size 2
  %c2 = net.conv_2d %p1 filters 64 size 3 activation relu regularizer L2 weight_decay 0.001
  %c3 = net.conv_2d %c2 filters 64 size 3 activation relu regularizer L2 weight_decay 0.001
  %p2 = net.max_pool_2d %c3 size 2
  %f1 = net.fully_connected %p2 units 512 activation relu regularizer L2 weight_decay 0.001
  %d1 = net.dropout %f1 keep 0.5
  %f2 = net.fully_connected %d1 units 10 activation softmax regularizer L2 weight_decay 0.001
  net.regression %f2 optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
