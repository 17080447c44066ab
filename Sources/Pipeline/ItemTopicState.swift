import Events

/// The pipeline's hold on the item topic: the follower and the decoder of its records.
struct ItemTopicState {
    /// Reads and follows the topic.
    let follower: ItemTopicFollower
    /// Decodes its records.
    let decoder: ItemRecordDecoder
}
