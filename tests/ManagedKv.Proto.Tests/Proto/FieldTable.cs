// The facts table the descriptor tests check the generated types against: for each message the
// server uses first, every field it keeps with its number, label and type, typed again from
// shared/facts/KVPROTO.md (not derived from our .proto files), so a renumbered, retyped, added or
// removed field fails DescriptorTests.
//
// Line format: `package.Message = num name [repeated] type | ...` where type is a scalar
// (uint64, uint32, int64, int32, bool, bytes, string), a full message or enum name, or
// `map<key,value>`. An empty field list (`package.Message =`) means the message has no fields.
namespace ManagedKv.Proto.Tests.Proto;

internal static class FieldTable
{
    /// <summary>Messages with their complete kept field lists.</summary>
    public static readonly string[] Messages =
    [
        // ---- metapb
        "metapb.RegionEpoch = 1 conf_ver uint64 | 2 version uint64",
        "metapb.Peer = 1 id uint64 | 2 store_id uint64 | 3 role metapb.PeerRole | 4 is_witness bool",
        "metapb.Region = 1 id uint64 | 2 start_key bytes | 3 end_key bytes | 4 region_epoch metapb.RegionEpoch | 5 peers repeated metapb.Peer | 7 is_in_flashback bool | 8 flashback_start_ts uint64",
        "metapb.Store = 1 id uint64 | 2 address string | 3 state metapb.StoreState | 4 labels repeated metapb.StoreLabel | 5 version string | 6 peer_address string | 7 status_address string | 8 git_hash string | 9 start_timestamp int64 | 10 deploy_path string | 11 last_heartbeat int64 | 12 physically_destroyed bool | 13 node_state metapb.NodeState",
        "metapb.StoreLabel = 1 key string | 2 value string",

        // ---- errorpb
        "errorpb.Error = 1 message string | 2 not_leader errorpb.NotLeader | 3 region_not_found errorpb.RegionNotFound | 4 key_not_in_region errorpb.KeyNotInRegion | 5 epoch_not_match errorpb.EpochNotMatch | 6 server_is_busy errorpb.ServerIsBusy | 7 stale_command errorpb.StaleCommand | 8 store_not_match errorpb.StoreNotMatch | 9 raft_entry_too_large errorpb.RaftEntryTooLarge | 10 max_timestamp_not_synced errorpb.MaxTimestampNotSynced | 11 read_index_not_ready errorpb.ReadIndexNotReady | 12 proposal_in_merging_mode errorpb.ProposalInMergingMode | 13 data_is_not_ready errorpb.DataIsNotReady | 14 region_not_initialized errorpb.RegionNotInitialized | 15 disk_full errorpb.DiskFull | 16 RecoveryInProgress errorpb.RecoveryInProgress | 17 FlashbackInProgress errorpb.FlashbackInProgress | 18 FlashbackNotPrepared errorpb.FlashbackNotPrepared | 19 is_witness errorpb.IsWitness | 20 mismatch_peer_id errorpb.MismatchPeerId | 21 bucket_version_not_match errorpb.BucketVersionNotMatch | 22 undetermined_result errorpb.UndeterminedResult",
        "errorpb.NotLeader = 1 region_id uint64 | 2 leader metapb.Peer",
        "errorpb.EpochNotMatch = 1 current_regions repeated metapb.Region",
        "errorpb.RegionNotFound = 1 region_id uint64",
        "errorpb.ServerIsBusy = 1 reason string | 2 backoff_ms uint64 | 3 estimated_wait_ms uint32 | 4 applied_index uint64",
        "errorpb.KeyNotInRegion = 1 key bytes | 2 region_id uint64 | 3 start_key bytes | 4 end_key bytes",
        "errorpb.StaleCommand =",
        "errorpb.StoreNotMatch = 1 request_store_id uint64 | 2 actual_store_id uint64",

        // ---- kvrpcpb shared
        "kvrpcpb.Context = 1 region_id uint64 | 2 region_epoch metapb.RegionEpoch | 3 peer metapb.Peer | 5 term uint64 | 6 priority kvrpcpb.CommandPri | 7 isolation_level kvrpcpb.IsolationLevel | 8 not_fill_cache bool | 9 sync_log bool | 10 record_time_stat bool | 11 record_scan_stat bool | 12 replica_read bool | 13 resolved_locks repeated uint64 | 14 max_execution_duration_ms uint64 | 15 applied_index uint64 | 16 task_id uint64 | 17 stale_read bool | 18 resource_group_tag bytes | 19 disk_full_opt kvrpcpb.DiskFullOpt | 20 is_retry_request bool | 21 api_version kvrpcpb.APIVersion | 22 committed_locks repeated uint64 | 24 request_source string | 25 txn_source uint64 | 27 busy_threshold_ms uint32 | 31 keyspace_name string | 32 keyspace_id uint32 | 33 buckets_version uint64 | 35 cluster_id uint64 | 36 trace_id bytes | 37 trace_control_flags uint64",
        "kvrpcpb.KvPair = 1 error kvrpcpb.KeyError | 2 key bytes | 3 value bytes | 4 commit_ts uint64",
        "kvrpcpb.Mutation = 1 op kvrpcpb.Op | 2 key bytes | 3 value bytes | 4 assertion kvrpcpb.Assertion",
        "kvrpcpb.LockInfo = 1 primary_lock bytes | 2 lock_version uint64 | 3 key bytes | 4 lock_ttl uint64 | 5 txn_size uint64 | 6 lock_type kvrpcpb.Op | 7 lock_for_update_ts uint64 | 8 use_async_commit bool | 9 min_commit_ts uint64 | 10 secondaries repeated bytes | 11 duration_to_last_update_ms uint64 | 12 shared_lock_infos repeated kvrpcpb.LockInfo | 100 is_txn_file bool",
        "kvrpcpb.KeyError = 1 locked kvrpcpb.LockInfo | 2 retryable string | 3 abort string | 4 conflict kvrpcpb.WriteConflict | 5 already_exist kvrpcpb.AlreadyExist | 6 deadlock kvrpcpb.Deadlock | 7 commit_ts_expired kvrpcpb.CommitTsExpired | 8 txn_not_found kvrpcpb.TxnNotFound | 9 commit_ts_too_large kvrpcpb.CommitTsTooLarge | 10 assertion_failed kvrpcpb.AssertionFailed | 11 primary_mismatch kvrpcpb.PrimaryMismatch | 12 txn_lock_not_found kvrpcpb.TxnLockNotFound",
        "kvrpcpb.WriteConflict = 1 start_ts uint64 | 2 conflict_ts uint64 | 3 key bytes | 4 primary bytes | 5 conflict_commit_ts uint64 | 6 reason kvrpcpb.WriteConflict.Reason",
        "kvrpcpb.TxnInfo = 1 txn uint64 | 2 status uint64 | 100 is_txn_file bool",

        // ---- kvrpcpb raw
        "kvrpcpb.RawGetRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 cf string",
        "kvrpcpb.RawGetResponse = 1 region_error errorpb.Error | 2 error string | 3 value bytes | 4 not_found bool",
        "kvrpcpb.RawBatchGetRequest = 1 context kvrpcpb.Context | 2 keys repeated bytes | 3 cf string",
        "kvrpcpb.RawBatchGetResponse = 1 region_error errorpb.Error | 2 pairs repeated kvrpcpb.KvPair",
        "kvrpcpb.RawPutRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 value bytes | 4 cf string | 5 ttl uint64 | 6 for_cas bool",
        "kvrpcpb.RawPutResponse = 1 region_error errorpb.Error | 2 error string",
        "kvrpcpb.RawBatchPutRequest = 1 context kvrpcpb.Context | 2 pairs repeated kvrpcpb.KvPair | 3 cf string | 4 ttl uint64 | 5 for_cas bool | 6 ttls repeated uint64",
        "kvrpcpb.RawBatchPutResponse = 1 region_error errorpb.Error | 2 error string",
        "kvrpcpb.RawDeleteRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 cf string | 4 for_cas bool",
        "kvrpcpb.RawDeleteResponse = 1 region_error errorpb.Error | 2 error string",
        "kvrpcpb.RawBatchDeleteRequest = 1 context kvrpcpb.Context | 2 keys repeated bytes | 3 cf string | 4 for_cas bool",
        "kvrpcpb.RawBatchDeleteResponse = 1 region_error errorpb.Error | 2 error string",
        "kvrpcpb.RawScanRequest = 1 context kvrpcpb.Context | 2 start_key bytes | 3 limit uint32 | 4 key_only bool | 5 cf string | 6 reverse bool | 7 end_key bytes",
        "kvrpcpb.RawScanResponse = 1 region_error errorpb.Error | 2 kvs repeated kvrpcpb.KvPair",
        "kvrpcpb.RawDeleteRangeRequest = 1 context kvrpcpb.Context | 2 start_key bytes | 3 end_key bytes | 4 cf string",
        "kvrpcpb.RawDeleteRangeResponse = 1 region_error errorpb.Error | 2 error string",
        "kvrpcpb.RawCASRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 value bytes | 4 previous_not_exist bool | 5 previous_value bytes | 6 cf string | 7 ttl uint64 | 8 delete bool",
        "kvrpcpb.RawCASResponse = 1 region_error errorpb.Error | 2 error string | 3 succeed bool | 4 previous_not_exist bool | 5 previous_value bytes",
        "kvrpcpb.RawGetKeyTTLRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 cf string",
        "kvrpcpb.RawGetKeyTTLResponse = 1 region_error errorpb.Error | 2 error string | 3 ttl uint64 | 4 not_found bool",

        // ---- kvrpcpb transactional (exec_details_v2 dropped everywhere)
        "kvrpcpb.GetRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 version uint64 | 4 need_commit_ts bool",
        "kvrpcpb.GetResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 value bytes | 4 not_found bool | 7 commit_ts uint64",
        "kvrpcpb.ScanRequest = 1 context kvrpcpb.Context | 2 start_key bytes | 3 limit uint32 | 4 version uint64 | 5 key_only bool | 6 reverse bool | 7 end_key bytes | 8 sample_step uint32",
        "kvrpcpb.ScanResponse = 1 region_error errorpb.Error | 2 pairs repeated kvrpcpb.KvPair | 3 error kvrpcpb.KeyError",
        "kvrpcpb.BatchGetRequest = 1 context kvrpcpb.Context | 2 keys repeated bytes | 3 version uint64 | 4 need_commit_ts bool",
        "kvrpcpb.BatchGetResponse = 1 region_error errorpb.Error | 2 pairs repeated kvrpcpb.KvPair | 5 error kvrpcpb.KeyError",
        "kvrpcpb.PrewriteRequest = 1 context kvrpcpb.Context | 2 mutations repeated kvrpcpb.Mutation | 3 primary_lock bytes | 4 start_version uint64 | 5 lock_ttl uint64 | 6 skip_constraint_check bool | 7 pessimistic_actions repeated kvrpcpb.PrewriteRequest.PessimisticAction | 8 txn_size uint64 | 9 for_update_ts uint64 | 10 min_commit_ts uint64 | 11 use_async_commit bool | 12 secondaries repeated bytes | 13 try_one_pc bool | 14 max_commit_ts uint64 | 15 assertion_level kvrpcpb.AssertionLevel | 16 for_update_ts_constraints repeated kvrpcpb.PrewriteRequest.ForUpdateTSConstraint | 100 txn_file_chunks repeated uint64",
        "kvrpcpb.PrewriteRequest.ForUpdateTSConstraint = 1 index uint32 | 2 expected_for_update_ts uint64",
        "kvrpcpb.PrewriteResponse = 1 region_error errorpb.Error | 2 errors repeated kvrpcpb.KeyError | 3 min_commit_ts uint64 | 4 one_pc_commit_ts uint64",
        "kvrpcpb.PessimisticLockRequest = 1 context kvrpcpb.Context | 2 mutations repeated kvrpcpb.Mutation | 3 primary_lock bytes | 4 start_version uint64 | 5 lock_ttl uint64 | 6 for_update_ts uint64 | 7 is_first_lock bool | 8 wait_timeout int64 | 9 force bool | 10 return_values bool | 11 min_commit_ts uint64 | 12 check_existence bool | 13 lock_only_if_exists bool | 14 wake_up_mode kvrpcpb.PessimisticLockWakeUpMode",
        "kvrpcpb.PessimisticLockResponse = 1 region_error errorpb.Error | 2 errors repeated kvrpcpb.KeyError | 3 commit_ts uint64 | 4 value bytes | 5 values repeated bytes | 6 not_founds repeated bool | 8 results repeated kvrpcpb.PessimisticLockKeyResult",
        "kvrpcpb.PessimisticLockKeyResult = 1 type kvrpcpb.PessimisticLockKeyResultType | 2 value bytes | 3 existence bool | 4 locked_with_conflict_ts uint64 | 11 skip_resolving_lock bool",
        "kvrpcpb.PessimisticRollbackRequest = 1 context kvrpcpb.Context | 2 start_version uint64 | 3 for_update_ts uint64 | 4 keys repeated bytes",
        "kvrpcpb.PessimisticRollbackResponse = 1 region_error errorpb.Error | 2 errors repeated kvrpcpb.KeyError",
        "kvrpcpb.CommitRequest = 1 context kvrpcpb.Context | 2 start_version uint64 | 3 keys repeated bytes | 4 commit_version uint64 | 6 commit_role kvrpcpb.CommitRole | 7 primary_key bytes | 8 use_async_commit bool | 100 is_txn_file bool",
        "kvrpcpb.CommitResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 commit_version uint64",
        "kvrpcpb.BatchRollbackRequest = 1 context kvrpcpb.Context | 2 start_version uint64 | 3 keys repeated bytes | 100 is_txn_file bool",
        "kvrpcpb.BatchRollbackResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError",
        "kvrpcpb.CleanupRequest = 1 context kvrpcpb.Context | 2 key bytes | 3 start_version uint64 | 4 current_ts uint64",
        "kvrpcpb.CleanupResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 commit_version uint64",
        "kvrpcpb.CheckTxnStatusRequest = 1 context kvrpcpb.Context | 2 primary_key bytes | 3 lock_ts uint64 | 4 caller_start_ts uint64 | 5 current_ts uint64 | 6 rollback_if_not_exist bool | 7 force_sync_commit bool | 8 resolving_pessimistic_lock bool | 9 verify_is_primary bool | 100 is_txn_file bool",
        "kvrpcpb.CheckTxnStatusResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 lock_ttl uint64 | 4 commit_version uint64 | 5 action kvrpcpb.Action | 6 lock_info kvrpcpb.LockInfo",
        "kvrpcpb.CheckSecondaryLocksRequest = 1 context kvrpcpb.Context | 2 keys repeated bytes | 3 start_version uint64",
        "kvrpcpb.CheckSecondaryLocksResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 locks repeated kvrpcpb.LockInfo | 4 commit_ts uint64",
        "kvrpcpb.ScanLockRequest = 1 context kvrpcpb.Context | 2 max_version uint64 | 3 start_key bytes | 4 limit uint32 | 5 end_key bytes",
        "kvrpcpb.ScanLockResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 locks repeated kvrpcpb.LockInfo",
        "kvrpcpb.ResolveLockRequest = 1 context kvrpcpb.Context | 2 start_version uint64 | 3 commit_version uint64 | 4 txn_infos repeated kvrpcpb.TxnInfo | 5 keys repeated bytes | 6 is_async bool | 100 is_txn_file bool",
        "kvrpcpb.ResolveLockResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError",
        "kvrpcpb.TxnHeartBeatRequest = 1 context kvrpcpb.Context | 2 primary_lock bytes | 3 start_version uint64 | 4 advise_lock_ttl uint64 | 5 min_commit_ts uint64 | 100 is_txn_file bool",
        "kvrpcpb.TxnHeartBeatResponse = 1 region_error errorpb.Error | 2 error kvrpcpb.KeyError | 3 lock_ttl uint64",

        // ---- raft_serverpb / tikvpb envelopes
        "raft_serverpb.SnapshotChunk = 1 message raft_serverpb.RaftMessage | 2 data bytes",
        "raft_serverpb.Done =",
        "tikvpb.BatchRaftMessage = 1 msgs repeated raft_serverpb.RaftMessage | 13 last_observed_time uint64",
        "tikvpb.BatchCommandsRequest = 1 requests repeated tikvpb.BatchCommandsRequest.Request | 2 request_ids repeated uint64 | 3 client_send_time_ns uint64",
        "tikvpb.BatchCommandsResponse = 1 responses repeated tikvpb.BatchCommandsResponse.Response | 2 request_ids repeated uint64 | 3 transport_layer_load uint64 | 5 tikv_send_time_ns uint64",
        "tikvpb.BatchCommandsEmptyRequest = 1 test_id uint64 | 2 delay_time uint64",
        "tikvpb.BatchCommandsEmptyResponse = 1 test_id uint64",

        // ---- pdpb
        "pdpb.RequestHeader = 1 cluster_id uint64 | 2 sender_id uint64 | 3 caller_id string | 4 caller_component string",
        "pdpb.ResponseHeader = 1 cluster_id uint64 | 2 error pdpb.Error",
        "pdpb.Error = 1 type pdpb.ErrorType | 2 message string",
        "pdpb.Member = 1 name string | 2 member_id uint64 | 3 peer_urls repeated string | 4 client_urls repeated string | 5 leader_priority int32 | 6 deploy_path string | 7 binary_version string | 8 git_hash string | 9 dc_location string",
        "pdpb.GetMembersRequest = 1 header pdpb.RequestHeader",
        "pdpb.GetMembersResponse = 1 header pdpb.ResponseHeader | 2 members repeated pdpb.Member | 3 leader pdpb.Member | 4 etcd_leader pdpb.Member | 5 tso_allocator_leaders map<string,pdpb.Member>",
        "pdpb.Timestamp = 1 physical int64 | 2 logical int64 | 3 suffix_bits uint32",
        "pdpb.TsoRequest = 1 header pdpb.RequestHeader | 2 count uint32 | 3 dc_location string",
        "pdpb.TsoResponse = 1 header pdpb.ResponseHeader | 2 count uint32 | 3 timestamp pdpb.Timestamp",
        "pdpb.GetRegionRequest = 1 header pdpb.RequestHeader | 2 region_key bytes | 3 need_buckets bool",
        "pdpb.GetRegionResponse = 1 header pdpb.ResponseHeader | 2 region metapb.Region | 3 leader metapb.Peer | 5 down_peers repeated pdpb.PeerStats | 6 pending_peers repeated metapb.Peer | 7 buckets metapb.Buckets",
        "pdpb.GetRegionByIDRequest = 1 header pdpb.RequestHeader | 2 region_id uint64 | 3 need_buckets bool",
        "pdpb.PeerStats = 1 peer metapb.Peer | 2 down_seconds uint64",
        "pdpb.TimeInterval = 1 start_timestamp uint64 | 2 end_timestamp uint64",
        "pdpb.RegionHeartbeatRequest = 1 header pdpb.RequestHeader | 2 region metapb.Region | 3 leader metapb.Peer | 4 down_peers repeated pdpb.PeerStats | 5 pending_peers repeated metapb.Peer | 6 bytes_written uint64 | 7 bytes_read uint64 | 8 keys_written uint64 | 9 keys_read uint64 | 10 approximate_size uint64 | 12 interval pdpb.TimeInterval | 13 approximate_keys uint64 | 14 term uint64 | 17 cpu_usage uint64 | 18 approximate_kv_size uint64",
        "pdpb.RegionHeartbeatResponse = 1 header pdpb.ResponseHeader | 2 change_peer pdpb.ChangePeer | 3 transfer_leader pdpb.TransferLeader | 4 region_id uint64 | 5 region_epoch metapb.RegionEpoch | 6 target_peer metapb.Peer | 7 merge pdpb.Merge | 8 split_region pdpb.SplitRegion | 9 change_peer_v2 pdpb.ChangePeerV2",
        "pdpb.ChangePeer = 1 peer metapb.Peer | 2 change_type eraftpb.ConfChangeType",
        "pdpb.TransferLeader = 1 peer metapb.Peer | 2 peers repeated metapb.Peer",
        "pdpb.SplitRegion = 1 policy pdpb.CheckPolicy | 2 keys repeated bytes",
        "pdpb.StoreStats = 1 store_id uint64 | 2 capacity uint64 | 3 available uint64 | 4 region_count uint32 | 5 sending_snap_count uint32 | 6 receiving_snap_count uint32 | 7 start_time uint32 | 8 applying_snap_count uint32 | 9 is_busy bool | 10 used_size uint64 | 11 bytes_written uint64 | 12 keys_written uint64 | 13 bytes_read uint64 | 14 keys_read uint64 | 15 interval pdpb.TimeInterval | 16 cpu_usages repeated pdpb.RecordPair | 17 read_io_rates repeated pdpb.RecordPair | 18 write_io_rates repeated pdpb.RecordPair | 19 op_latencies repeated pdpb.RecordPair",
        "pdpb.StoreHeartbeatRequest = 1 header pdpb.RequestHeader | 2 stats pdpb.StoreStats",
        "pdpb.StoreHeartbeatResponse = 1 header pdpb.ResponseHeader | 3 cluster_version string | 4 require_detailed_report bool | 8 state metapb.NodeState",
        "pdpb.AskBatchSplitRequest = 1 header pdpb.RequestHeader | 2 region metapb.Region | 3 split_count uint32 | 4 reason pdpb.SplitReason",
        "pdpb.AskBatchSplitResponse = 1 header pdpb.ResponseHeader | 2 ids repeated pdpb.SplitID",
        "pdpb.SplitID = 1 new_region_id uint64 | 2 new_peer_ids repeated uint64",
        "pdpb.ScanRegionsRequest = 1 header pdpb.RequestHeader | 2 start_key bytes | 3 limit int32 | 4 end_key bytes",
        "pdpb.ScanRegionsResponse = 1 header pdpb.ResponseHeader | 2 region_metas repeated metapb.Region | 3 leaders repeated metapb.Peer | 4 regions repeated pdpb.Region",
        "pdpb.Region = 1 region metapb.Region | 2 leader metapb.Peer | 3 down_peers repeated pdpb.PeerStats | 4 pending_peers repeated metapb.Peer | 5 buckets metapb.Buckets",
        "pdpb.AllocIDRequest = 1 header pdpb.RequestHeader | 2 count uint32",
        "pdpb.AllocIDResponse = 1 header pdpb.ResponseHeader | 2 id uint64 | 3 count uint32",
        "pdpb.GetClusterInfoRequest = 1 header pdpb.ResponseHeader",
    ];

    /// <summary>Numbers kvproto itself skips (facts name them): they must stay reserved, never reused.</summary>
    public static readonly (string Message, int Number)[] SkippedNumbers =
    [
        ("kvrpcpb.Context", 4), ("kvrpcpb.Context", 26), ("kvrpcpb.Context", 30),
        ("kvrpcpb.GetResponse", 5),
        ("kvrpcpb.BatchGetResponse", 3),
        ("kvrpcpb.CommitRequest", 5),
        ("pdpb.RegionHeartbeatRequest", 11),
        ("pdpb.GetRegionResponse", 4),
    ];
}
