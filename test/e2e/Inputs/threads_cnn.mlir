// A small CNN whose elementwise ops and Adam update are large enough at
// batch 32 to run on several threads (dlc-parallelize-loops): 4096 conv
// outputs per example, 66308 parameters (DeterminismTest.cpp).
net.model @threads_cnn {
  %x = net.input_data shape [?, 16, 16, 3]
  %c = net.conv_2d %x filters 16 size 3 activation relu
  %p = net.max_pool_2d %c size 2
  %f = net.fully_connected %p units 64 activation relu
  %d = net.dropout %f keep 0.5
  %y = net.fully_connected %d units 4 activation softmax
  net.regression %y optimizer adam learning_rate 0.001 loss categorical_crossentropy
}
