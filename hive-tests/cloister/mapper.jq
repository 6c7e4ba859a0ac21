# Rebuilds /genesis.json's chain config from hive's HIVE_* environment, in geth's format.
# A fork whose variable is unset is removed (hive's meaning: not scheduled).

def num: if . == null then null else tonumber end;
def put($key; $value): if $value == null then del(.[$key]) else .[$key] = $value end;
def blob($prefix):
  if env[$prefix + "_BLOB_TARGET"] == null then null
  else {
    target: (env[$prefix + "_BLOB_TARGET"] | num),
    max: (env[$prefix + "_BLOB_MAX"] | num),
    baseFeeUpdateFraction: (env[$prefix + "_BLOB_BASE_FEE_UPDATE_FRACTION"] | num)
  } end;

.config |= (
    put("chainId"; env.HIVE_CHAIN_ID | num)
  | put("homesteadBlock"; env.HIVE_FORK_HOMESTEAD | num)
  | put("daoForkBlock"; env.HIVE_FORK_DAO_BLOCK | num)
  | put("eip150Block"; env.HIVE_FORK_TANGERINE | num)
  | put("eip155Block"; env.HIVE_FORK_SPURIOUS | num)
  | put("eip158Block"; env.HIVE_FORK_SPURIOUS | num)
  | put("byzantiumBlock"; env.HIVE_FORK_BYZANTIUM | num)
  | put("constantinopleBlock"; env.HIVE_FORK_CONSTANTINOPLE | num)
  | put("petersburgBlock"; env.HIVE_FORK_PETERSBURG | num)
  | put("istanbulBlock"; env.HIVE_FORK_ISTANBUL | num)
  | put("muirGlacierBlock"; env.HIVE_FORK_MUIR_GLACIER | num)
  | put("berlinBlock"; env.HIVE_FORK_BERLIN | num)
  | put("londonBlock"; env.HIVE_FORK_LONDON | num)
  | put("arrowGlacierBlock"; env.HIVE_FORK_ARROW_GLACIER | num)
  | put("grayGlacierBlock"; env.HIVE_FORK_GRAY_GLACIER | num)
  | put("mergeNetsplitBlock"; env.HIVE_MERGE_BLOCK_ID | num)
  | put("terminalTotalDifficulty"; env.HIVE_TERMINAL_TOTAL_DIFFICULTY | num)
  | put("shanghaiTime"; env.HIVE_SHANGHAI_TIMESTAMP | num)
  | put("cancunTime"; env.HIVE_CANCUN_TIMESTAMP | num)
  | put("pragueTime"; env.HIVE_PRAGUE_TIMESTAMP | num)
  | put("osakaTime"; env.HIVE_OSAKA_TIMESTAMP | num)
  | put("bpo1Time"; env.HIVE_BPO1_TIMESTAMP | num)
  | put("bpo2Time"; env.HIVE_BPO2_TIMESTAMP | num)
  | put("depositContractAddress"; env.HIVE_DEPOSIT_CONTRACT_ADDRESS)
  | .blobSchedule = ({
        cancun: blob("HIVE_CANCUN"),
        prague: blob("HIVE_PRAGUE"),
        osaka: blob("HIVE_OSAKA"),
        bpo1: blob("HIVE_BPO1"),
        bpo2: blob("HIVE_BPO2")
      } | with_entries(select(.value != null)))
  | if .blobSchedule == {} then del(.blobSchedule) else . end
)
