package flatlm.data;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;
import java.util.Map;

/**
 * {@code manifest.json} of a corpus directory: what was generated, from which seed, and the
 * SHA-256 of every file. Contains no timestamps, so the same seed gives the same bytes.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record CorpusManifest(
    String format,
    String kind,
    long seed,
    long sentences,
    long tokens,
    int maxLength,
    int shardSize,
    List<String> tasks,
    Map<Integer, Long> lengthCounts,
    List<FileEntry> definition,
    List<Shard> shards) {

    public static final String FORMAT = "flatlm-corpus/1";

    /** One file and its checksum. */
    public record FileEntry(String file, String sha256) {}

    /**
     * One shard: {@code words} is int32 [n, maxLength] padded with -1; {@code labels} int32
     * [n, tasks] with -1 where a classification task defines no label; {@code states} (HMM)
     * int32 [n, maxLength] padded with -1.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Shard(long sentences, FileEntry words, FileEntry labels, FileEntry states) {}
}
