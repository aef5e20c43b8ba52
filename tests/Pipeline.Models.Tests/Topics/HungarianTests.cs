using Pipeline.Models.Topics;

namespace Pipeline.Models.Tests.Topics;

public sealed class HungarianTests
{
    private static double Total(double[,] matrix, int[] assignment) =>
        assignment.Select((column, row) => column < 0 ? 0.0 : matrix[row, column]).Sum();

    [Fact]
    public void Square_matrix_gets_the_known_minimum()
    {
        double[,] cost = { { 4, 1, 3 }, { 2, 0, 5 }, { 3, 2, 2 } };

        var assignment = Hungarian.Minimise(cost);

        Assert.Equal([1, 0, 2], assignment);
        Assert.Equal(5, Total(cost, assignment));
    }

    [Fact]
    public void Maximising_beats_greedy_when_the_best_pair_is_a_trap()
    {
        // Greedy takes 0.9 first and is left with 0.1 (total 1.0); the optimum crosses over (1.6).
        double[,] similarity = { { 0.9, 0.8 }, { 0.8, 0.1 } };

        var assignment = Hungarian.Maximise(similarity);

        Assert.Equal([1, 0], assignment);
        Assert.Equal(1.6, Total(similarity, assignment), 12);
    }

    [Fact]
    public void Wide_matrix_assigns_every_row_to_a_distinct_column()
    {
        double[,] cost = { { 10, 3, 8, 7 }, { 9, 6, 2, 5 } };

        Assert.Equal([1, 2], Hungarian.Minimise(cost));
    }

    [Fact]
    public void Tall_matrix_leaves_the_costliest_row_out()
    {
        double[,] cost = { { 1, 4 }, { 2, 1 }, { 3, 3 } };

        Assert.Equal([0, 1, -1], Hungarian.Minimise(cost));
    }

    [Fact]
    public void Empty_matrix_assigns_nothing()
    {
        Assert.Equal([-1, -1], Hungarian.Minimise(new double[2, 0]));
        Assert.Empty(Hungarian.Minimise(new double[0, 3]));
    }

    [Theory]
    [InlineData(4, 4, 1)]
    [InlineData(5, 5, 2)]
    [InlineData(3, 6, 3)]
    [InlineData(6, 3, 4)]
    [InlineData(5, 7, 5)]
    public void Random_matrices_match_the_brute_force_optimum(int rows, int columns, int seed)
    {
        var random = new Random(seed);
        for (var round = 0; round < 20; round++)
        {
            var profit = new double[rows, columns];
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                    profit[r, c] = Math.Round(random.NextDouble(), 3);

            var assignment = Hungarian.Maximise(profit);

            Assert.Equal(Math.Min(rows, columns), assignment.Count(c => c >= 0));
            Assert.Equal(assignment.Where(c => c >= 0).Count(), assignment.Where(c => c >= 0).Distinct().Count());
            Assert.Equal(BruteForceMaximum(profit), Total(profit, assignment), 9);
        }
    }

    private static double BruteForceMaximum(double[,] profit)
    {
        var rows = profit.GetLength(0);
        var columns = profit.GetLength(1);
        double Best(int row, HashSet<int> used)
        {
            if (row == rows)
                return 0;
            // A row may stay out only when rows outnumber columns.
            var best = rows > columns ? Best(row + 1, used) : double.NegativeInfinity;
            for (var c = 0; c < columns; c++)
            {
                if (!used.Add(c))
                    continue;
                best = Math.Max(best, profit[row, c] + Best(row + 1, used));
                used.Remove(c);
            }

            return best;
        }

        return Best(0, []);
    }
}
