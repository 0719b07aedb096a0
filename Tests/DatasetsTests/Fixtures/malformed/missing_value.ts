@problemName Missing
@univariate true
@missing true
@classLabel true a b
@data
1,?,?,4:a
?,2,3,?:b
