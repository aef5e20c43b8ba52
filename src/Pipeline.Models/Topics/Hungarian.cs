namespace Pipeline.Models.Topics;

/// <summary>
/// Optimal one-to-one assignment on a rectangular matrix (Kuhn–Munkres with row/column potentials,
/// O(r²·c) for r ≤ c). Greedy "best pair first" matching is not enough: taking the single most similar
/// pair can force the runner-up topics into poor pairs and lose more than it gained.
/// </summary>
public static class Hungarian
{
    /// <summary>For each row, the column assigned to it so that the total cost is minimal, or -1 when there are more rows than columns and the row is left out.</summary>
    public static int[] Minimise(double[,] cost)
    {
        ArgumentNullException.ThrowIfNull(cost);
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        foreach (var value in cost)
        {
            if (!double.IsFinite(value))
                throw new ArgumentException("Every cost must be a finite number.", nameof(cost));
        }

        if (rows == 0 || columns == 0)
            return Enumerable.Repeat(-1, rows).ToArray();

        // The potential method below needs rows ≤ columns; solve the transpose otherwise.
        if (rows > columns)
        {
            var transposed = new double[columns, rows];
            for (var r = 0; r < rows; r++)
                for (var c = 0; c < columns; c++)
                    transposed[c, r] = cost[r, c];

            var columnToRow = Solve(transposed);
            var rowToColumn = Enumerable.Repeat(-1, rows).ToArray();
            for (var c = 0; c < columns; c++)
                rowToColumn[columnToRow[c]] = c;
            return rowToColumn;
        }

        return Solve(cost);
    }

    /// <summary>As <see cref="Minimise"/>, maximising the total instead.</summary>
    public static int[] Maximise(double[,] profit)
    {
        ArgumentNullException.ThrowIfNull(profit);
        var negated = new double[profit.GetLength(0), profit.GetLength(1)];
        for (var r = 0; r < profit.GetLength(0); r++)
            for (var c = 0; c < profit.GetLength(1); c++)
                negated[r, c] = -profit[r, c];
        return Minimise(negated);
    }

    // Rows are added one at a time; each addition grows a shortest augmenting path (Dijkstra-like over
    // reduced costs) and shifts the potentials so reduced costs stay non-negative. Index 0 is a virtual
    // column that roots the path, hence the 1-based arrays.
    private static int[] Solve(double[,] cost)
    {
        var rows = cost.GetLength(0);
        var columns = cost.GetLength(1);
        var rowPotential = new double[rows + 1];
        var columnPotential = new double[columns + 1];
        var rowOfColumn = new int[columns + 1];
        var previousColumn = new int[columns + 1];

        for (var row = 1; row <= rows; row++)
        {
            rowOfColumn[0] = row;
            var column = 0;
            var slack = Enumerable.Repeat(double.PositiveInfinity, columns + 1).ToArray();
            var visited = new bool[columns + 1];
            do
            {
                visited[column] = true;
                var pathRow = rowOfColumn[column];
                var delta = double.PositiveInfinity;
                var nextColumn = 0;
                for (var c = 1; c <= columns; c++)
                {
                    if (visited[c])
                        continue;
                    var reduced = cost[pathRow - 1, c - 1] - rowPotential[pathRow] - columnPotential[c];
                    if (reduced < slack[c])
                    {
                        slack[c] = reduced;
                        previousColumn[c] = column;
                    }

                    if (slack[c] < delta)
                    {
                        delta = slack[c];
                        nextColumn = c;
                    }
                }

                for (var c = 0; c <= columns; c++)
                {
                    if (visited[c])
                    {
                        rowPotential[rowOfColumn[c]] += delta;
                        columnPotential[c] -= delta;
                    }
                    else
                    {
                        slack[c] -= delta;
                    }
                }

                column = nextColumn;
            }
            while (rowOfColumn[column] != 0);

            // Flip the augmenting path: every column on it takes the row of the column before it.
            do
            {
                var before = previousColumn[column];
                rowOfColumn[column] = rowOfColumn[before];
                column = before;
            }
            while (column != 0);
        }

        var assignment = Enumerable.Repeat(-1, rows).ToArray();
        for (var c = 1; c <= columns; c++)
        {
            if (rowOfColumn[c] != 0)
                assignment[rowOfColumn[c] - 1] = c - 1;
        }

        return assignment;
    }
}
